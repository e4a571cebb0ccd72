package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
)

// PathAdminProcedures lists the procedures with the form loading a
// catalogue file (POST …/danh-muc); GET …/{code} is one procedure with
// its process: the diagram inline and its steps and flows as text.
const PathAdminProcedures = PathAdmin + "/thu-tuc"

// maxCatalogUpload bounds a catalogue upload's body: the workflow's 8 MB
// file and the form around it.
const maxCatalogUpload = 8<<20 + 64<<10

// adminProceduresPage is the list of procedures with the catalogue form.
type adminProceduresPage struct {
	Procedures []procedureRow
	Load       adminForm
	Fields     []adminField
	// Loaded says what a catalogue just loaded stored.
	Loaded *workflow.CatalogCounts
}

// procedureRow is one procedure of the list.
type procedureRow struct {
	workflow.Procedure
	URL, Level, Resolution string
}

// adminProcedurePage is one procedure with its process.
type adminProcedurePage struct {
	procedureRow
	Components []componentInfo
	Process    workflow.Process
	Steps      []stepInfo
	Flows      []flowInfo
	// Diagram is the process drawn as SVG by the workflow (its text
	// escaped there), shown inline.
	Diagram template.HTML
}

// componentInfo is a component as the procedure's page lists it.
type componentInfo struct {
	workflow.Component
	Types string
}

// stepInfo is a step as the text alternative of the diagram lists it.
type stepInfo struct {
	Code, Name, Role, Department, Deadline string
	Optional, Start                        bool
}

// flowInfo is a flow as the text alternative lists it.
type flowInfo struct{ From, To, Action string }

// deadlineText is a step's deadline in working time as people read it.
func deadlineText(minutes int64) string {
	switch {
	case minutes <= 0:
		return "Không quy định"
	case minutes%60 == 0:
		return strconv.FormatInt(minutes/60, 10) + " giờ làm việc"
	}
	return strconv.FormatInt(minutes, 10) + " phút làm việc"
}

func procedureRowOf(p workflow.Procedure) procedureRow {
	return procedureRow{Procedure: p, URL: PathAdminProcedures + "/" + url.PathEscape(p.Code), Level: p.Level.Label(), Resolution: resolutionText(p.Resolution)}
}

// adminProcedures is GET /quan-tri/thu-tuc: the procedures and the
// catalogue form.
func (h *Handler) adminProcedures(w http.ResponseWriter, r *http.Request) {
	a, wf, ok := h.adminWorkflow(w, r, false)
	if ok {
		h.showProcedures(w, r, a, wf, http.StatusOK, &adminProceduresPage{})
	}
}

func (h *Handler) showProcedures(w http.ResponseWriter, r *http.Request, a archive.Actor, wf *workflow.Service, status int, p *adminProceduresPage) {
	ps, err := wf.Procedures(r.Context(), a)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	for _, proc := range ps {
		p.Procedures = append(p.Procedures, procedureRowOf(proc))
	}
	p.Fields = p.Load.fields(adminField{ID: "dm-file", Name: "file", Label: "Tệp danh mục (JSON)",
		Hint: "Cơ quan, loại giấy tờ, thủ tục và quy trình theo định dạng của lệnh kho admin procedures load; tối đa 8 MB. Nạp lại cùng tệp không thay đổi gì.",
		Kind: "file", Required: true})
	h.render(w, r, status, "admin_procedures", "Thủ tục và quy trình", "admin", p)
}

// adminLoadCatalog is POST /quan-tri/thu-tuc/danh-muc: loads an uploaded
// catalogue file (multipart; the CSRF token checked before the file is
// loaded).
func (h *Handler) adminLoadCatalog(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminActor(w, r)
	if !ok {
		return
	}
	if h.cfg.Workflow == nil {
		h.renderError(w, r, errWorkflowOff)
		return
	}
	wf := h.cfg.Workflow
	f, ok := h.adminUpload(w, r, maxCatalogUpload,
		kerr.New(kerr.TooLarge, "catalog_too_large", "Tệp danh mục thủ tục quá lớn (tối đa 8 MB).", "upload over %d bytes", maxCatalogUpload),
		func(err error) {
			h.showProcedures(w, r, a, wf, statusOf(err), &adminProceduresPage{Load: refuse(nil, "dm-file", err)})
		})
	if !ok {
		return
	}
	defer f.Close()
	counts, err := wf.LoadCatalog(r.Context(), a, f)
	if err != nil {
		if !shownAgain(err) && !kerr.IsKind(err, kerr.TooLarge) {
			h.renderError(w, r, err)
			return
		}
		h.showProcedures(w, r, a, wf, statusOf(err), &adminProceduresPage{Load: refuse(nil, "dm-file", err)})
		return
	}
	h.showProcedures(w, r, a, wf, http.StatusOK, &adminProceduresPage{Loaded: &counts})
}

// adminProcedure is GET /quan-tri/thu-tuc/{code}: the procedure, its
// components, and its latest process drawn and listed.
func (h *Handler) adminProcedure(w http.ResponseWriter, r *http.Request) {
	a, wf, ok := h.adminWorkflow(w, r, false)
	if !ok {
		return
	}
	code := r.PathValue("code")
	proc, err := wf.Procedure(r.Context(), a, code)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &adminProcedurePage{procedureRow: procedureRowOf(proc)}
	for _, c := range proc.Components {
		p.Components = append(p.Components, componentInfo{Component: c, Types: strings.Join(c.TypeCodes, ", ")})
	}
	p.Process, err = wf.Process(r.Context(), a, code, 0)
	if err != nil && !kerr.IsKind(err, kerr.NotFound) {
		h.renderError(w, r, err)
		return
	}
	if err == nil {
		svg, err := wf.Diagram(r.Context(), a, code, p.Process.Version)
		if err != nil {
			h.renderError(w, r, err)
			return
		}
		p.Diagram = template.HTML(svg) // #nosec G203 -- the workflow's own drawing; every text in it is escaped by WriteSVG
		depts := map[string]string{}
		if ags, err := wf.Agencies(r.Context(), a); err == nil {
			if ag, err := findAgency(ags, proc.Agency); err == nil {
				for _, d := range ag.Departments {
					depts[d.Code] = d.Name
				}
			}
		}
		names := map[string]string{}
		for _, s := range p.Process.Steps {
			names[s.Code] = s.Name
			dept := depts[s.Department]
			if dept == "" {
				dept = s.Department
			}
			p.Steps = append(p.Steps, stepInfo{Code: s.Code, Name: s.Name, Role: s.Role.Label(), Department: dept,
				Deadline: deadlineText(s.DeadlineMinutes), Optional: s.Optional, Start: s.Code == p.Process.Start})
		}
		for _, f := range p.Process.Flows {
			p.Flows = append(p.Flows, flowInfo{From: names[f.From], To: names[f.To], Action: f.Action.Label()})
		}
	}
	h.render(w, r, http.StatusOK, "admin_procedure", proc.Name, "admin", p)
}
