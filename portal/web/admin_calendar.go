package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow"
	"github.com/kho-vn/kho/workflow/calendar"
)

// PathAdminCalendar is the working-time calendar: ?nam= a year (default
// this one), ?co-quan= an agency (none: the national calendar); POST
// replaces that year's holidays and make-up days of that calendar over
// the revision the form carries.
const PathAdminCalendar = PathAdmin + "/ngay-nghi"

// calendarPage is one year of a calendar with its form.
type calendarPage struct {
	Year       int
	Agency     string
	AgencyName string
	Agencies   []roleOption
	// Days are the exceptional days that apply that year (an agency's
	// include the national ones).
	Days []calendarDay
	Rev  int64
	Form adminForm
	// Fields is the days' control.
	Fields []adminField
	Done   string
	// PrevURL and NextURL are the years around.
	PrevURL, NextURL string
}

// calendarDay is an exceptional day as people read it.
type calendarDay struct {
	Date, Weekday, Kind, Name string
}

// Words of the days' lines: the kind as the admin types it.
const (
	wordHoliday = "nghỉ"
	wordWorkday = "làm bù"
)

// weekdays are the days of the week as people read them.
var weekdays = [...]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// calendarURL is the address of agency's calendar of year y.
func calendarURL(agency string, y int) string {
	q := url.Values{"nam": {strconv.Itoa(y)}}
	if agency != "" {
		q.Set("co-quan", agency)
	}
	return PathAdminCalendar + "?" + q.Encode()
}

// errCalendarOff answers the calendar page of a server without one.
var errCalendarOff = kerr.New(kerr.Unavailable, "calendar_not_configured", "Máy chủ chưa được cấu hình lịch làm việc.", "web.Config.Calendars is nil")

// yearOf reads a year ("" is this year in Vietnam).
func (h *Handler) yearOf(s string) (int, error) {
	if s == "" {
		return h.cfg.Now().In(workflow.Vietnam).Year(), nil
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < calendar.MinYear || y > calendar.MaxYear {
		return 0, kerr.New(kerr.Invalid, "invalid_year", "Năm phải từ "+strconv.Itoa(calendar.MinYear)+" đến "+strconv.Itoa(calendar.MaxYear)+".", "year %q", s)
	}
	return y, nil
}

// adminCalendar is GET /quan-tri/ngay-nghi.
func (h *Handler) adminCalendar(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminReady(w, r, false, h.cfg.Calendars == nil, errCalendarOff)
	if !ok {
		return
	}
	y, err := h.yearOf(r.URL.Query().Get("nam"))
	if err == nil {
		err = calendar.CheckAgency(r.URL.Query().Get("co-quan"))
	}
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &calendarPage{Year: y, Agency: r.URL.Query().Get("co-quan")}
	if r.URL.Query().Get("da") == "luu" {
		p.Done = "Đã lưu ngày nghỉ, ngày làm bù của năm " + strconv.Itoa(y) + "."
	}
	h.showCalendar(w, r, a, http.StatusOK, p)
}

// showCalendar renders p's year and agency with status: the form filled
// from the store unless p.Form holds a refused one.
func (h *Handler) showCalendar(w http.ResponseWriter, r *http.Request, a archive.Actor, status int, p *calendarPage) {
	cals := h.cfg.Calendars
	eff, rev, err := cals.Effective(r.Context(), p.Agency)
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	own := eff
	if p.Agency != "" {
		if own, _, err = cals.Stored(r.Context(), p.Agency); err != nil {
			h.renderError(w, r, err)
			return
		}
	}
	p.AgencyName = "Lịch chung toàn quốc"
	p.Agencies = []roleOption{{"", "Lịch chung toàn quốc"}}
	if h.cfg.Workflow != nil {
		if ags, err := h.cfg.Workflow.Agencies(r.Context(), a); err == nil {
			for _, ag := range ags {
				p.Agencies = append(p.Agencies, roleOption{ag.Code, ag.Name + " (" + ag.Code + ")"})
				if ag.Code == p.Agency {
					p.AgencyName = ag.Name
				}
			}
		}
	}
	if p.Agency != "" && p.AgencyName == "Lịch chung toàn quốc" {
		p.AgencyName = p.Agency
	}
	for _, d := range eff.Year(p.Year).Days {
		p.Days = append(p.Days, calendarDayOf(d))
	}
	if p.Rev == 0 {
		p.Rev = rev
	}
	if p.Form.Values == nil {
		p.Form.Values = url.Values{"ngay": {daysText(own.Year(p.Year).Days)}}
	}
	p.Fields = p.Form.fields(adminField{ID: "nn-ngay", Name: "ngay", Kind: "textarea",
		Label: "Ngày nghỉ và ngày làm bù năm " + strconv.Itoa(p.Year),
		Hint:  "Mỗi dòng một ngày: ngày/tháng/năm; «" + wordHoliday + "» hoặc «" + wordWorkday + "»; tên ngày. Ví dụ: 02/09/" + strconv.Itoa(p.Year) + "; " + wordHoliday + "; Quốc khánh. Danh sách này thay cho mọi ngày đặc biệt của năm trong lịch đang sửa; khung giờ riêng đã đặt cho một ngày (qua API) được giữ nguyên."})
	p.PrevURL, p.NextURL = calendarURL(p.Agency, p.Year-1), calendarURL(p.Agency, p.Year+1)
	h.render(w, r, status, "admin_calendar", "Ngày nghỉ, ngày làm bù", "admin", p)
}

// calendarDayOf is d as people read it.
func calendarDayOf(d calendar.Day) calendarDay {
	t := time.Date(d.Date.Year, d.Date.Month, d.Date.Day, 12, 0, 0, 0, workflow.Vietnam)
	kind := "Ngày nghỉ"
	if d.Kind == calendar.Workday {
		kind = "Ngày làm việc (làm bù)"
	}
	return calendarDay{Date: t.Format("02/01/2006"), Weekday: weekdays[t.Weekday()], Kind: kind, Name: d.Name}
}

// daysText is days as the form's lines.
func daysText(days []calendar.Day) string {
	var b strings.Builder
	for _, d := range days {
		word := wordHoliday
		if d.Kind == calendar.Workday {
			word = wordWorkday
		}
		b.WriteString(calendarDayOf(d).Date + "; " + word + "; " + d.Name + "\n")
	}
	return b.String()
}

// daysOf reads the form's lines: "DD/MM/YYYY; nghỉ|làm bù; name".
func daysOf(text string) ([]calendar.Day, error) {
	days := []calendar.Day{}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		n := strconv.Itoa(i + 1)
		parts := strings.SplitN(line, ";", 3)
		if len(parts) != 3 {
			return nil, kerr.New(kerr.Invalid, "invalid_calendar_line", "Dòng "+n+" phải có dạng «ngày/tháng/năm; "+wordHoliday+" hoặc "+wordWorkday+"; tên ngày».", "line %s has %d parts", n, len(parts))
		}
		t, err := time.Parse("02/01/2006", strings.TrimSpace(parts[0]))
		if err != nil {
			return nil, kerr.New(kerr.Invalid, "invalid_calendar_line", "Dòng "+n+": ngày không hợp lệ (dạng ngày/tháng/năm, ví dụ 02/09/2026).", "line %s: date %q", n, parts[0])
		}
		d := calendar.Day{Date: archive.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, Name: strings.TrimSpace(parts[2])}
		switch strings.ToLower(strings.TrimSpace(parts[1])) {
		case wordHoliday:
			d.Kind = calendar.Holiday
		case wordWorkday, "làm":
			d.Kind = calendar.Workday
		default:
			return nil, kerr.New(kerr.Invalid, "invalid_calendar_line", "Dòng "+n+": loại ngày phải là «"+wordHoliday+"» hoặc «"+wordWorkday+"».", "line %s: kind %q", n, parts[1])
		}
		days = append(days, d)
	}
	return days, nil
}

// adminSaveCalendar is POST /quan-tri/ngay-nghi: the year's days of the
// calendar replaced, over the revision the form carries.
func (h *Handler) adminSaveCalendar(w http.ResponseWriter, r *http.Request) {
	a, ok := h.adminReady(w, r, true, h.cfg.Calendars == nil, errCalendarOff)
	if !ok {
		return
	}
	f := r.PostForm
	y, err := h.yearOf(f.Get("nam"))
	if err == nil {
		err = calendar.CheckAgency(f.Get("co-quan"))
	}
	if err != nil {
		h.renderError(w, r, err)
		return
	}
	p := &calendarPage{Year: y, Agency: f.Get("co-quan")}
	rev := formRev(f)
	days, err := daysOf(f.Get("ngay"))
	if err == nil {
		for _, d := range days {
			if d.Date.Year != y {
				err = kerr.New(kerr.Invalid, "day_outside_year", "Ngày "+calendarDayOf(d).Date+" không thuộc năm "+strconv.Itoa(y)+".", "day %v outside %d", d.Date, y)
				break
			}
		}
	}
	if err == nil {
		err = h.keepHours(r, p.Agency, y, days)
	}
	if err == nil && rev == 0 {
		// A calendar with no record yet: Apply's 0 means "whatever is
		// current", so one created meanwhile is checked for here.
		var now int64
		if _, now, err = h.cfg.Calendars.Stored(r.Context(), p.Agency); err == nil && now != 0 {
			err = calendar.ErrChanged(p.Agency, 0)
		}
	}
	if err == nil {
		_, _, err = h.cfg.Calendars.Apply(r.Context(), calendar.Spec{Agency: p.Agency, Years: []int{y}, Days: days}, a.Subject, rev)
	}
	if err != nil {
		if !shownAgain(err) {
			h.renderError(w, r, err)
			return
		}
		p.Form, p.Rev = refuse(f, "nn-ngay", err), rev
		if kerr.IsKind(err, kerr.Conflict) {
			// The year as stored now, with the notice.
			p.Form, p.Rev = adminForm{Errors: p.Form.Errors}, 0
		}
		h.showCalendar(w, r, a, statusOf(err), p)
		return
	}
	http.Redirect(w, r, calendarURL(p.Agency, y)+"&da=luu", http.StatusSeeOther)
}

// keepHours gives each of days that the calendar already holds on the
// same date and kind the hours stored with it: the form's lines have no
// hours, and saving them must not drop what the API set.
func (h *Handler) keepHours(r *http.Request, agency string, y int, days []calendar.Day) error {
	stored, _, err := h.cfg.Calendars.Stored(r.Context(), agency)
	if err != nil {
		return err
	}
	for i := range days {
		for _, d := range stored.Year(y).Days {
			if d.Date == days[i].Date && d.Kind == days[i].Kind {
				days[i].Hours = d.Hours
			}
		}
	}
	return nil
}
