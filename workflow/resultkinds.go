package workflow

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/convert"
	"github.com/kho-vn/kho/forms"
	"github.com/kho-vn/kho/internal/kerr"
)

// resultKind is how one result document type is made: the converter's
// template, the data filled from the dossier, the typed fields the vault
// keeps, the symbol of its number and its validity.
type resultKind struct {
	template string
	name     string // the paper's name when the procedure gives none
	symbol   string // the number's last part: 0125/2026/KS
	data     func(d Dossier, h convert.ResultHeader) any
	fields   func(d Dossier) archive.FieldValues
	validity func(r *archive.IssueRequest, issued time.Time)
}

// resultKinds maps a procedure's result document type to how the result
// is made. A birth certificate and a business-household certificate are
// valid without end; a construction permit lapses when work has not begun
// within 12 months of its date (Decree 175/2024/NĐ-CP), so it is valid
// from its date for 12 months.
var resultKinds = map[string]resultKind{
	"KHAI_SINH": {template: convert.TemplateBirthCertificate, name: "Giấy khai sinh", symbol: "KS",
		data: birthCertificate, fields: birthFields, validity: permanent},
	"GCN_DK_HKD": {template: convert.TemplateHouseholdBusiness, name: "Giấy chứng nhận đăng ký hộ kinh doanh", symbol: "HKD",
		data: householdBusiness, fields: householdFields, validity: permanent},
	"GP_XAY_DUNG": {template: convert.TemplateConstructionPermit, name: "Giấy phép xây dựng", symbol: "GPXD",
		data: constructionPermit, fields: constructionFields, validity: func(r *archive.IssueRequest, issued time.Time) {
			day := issued.In(Vietnam)
			r.ValidFrom, r.ValidUntil = archive.DateOf(day), archive.DateOf(day.AddDate(1, 0, -1))
		}},
}

func permanent(r *archive.IssueRequest, _ time.Time) { r.Permanent = true }

// resultOf returns the procedure's first result whose type Kho can make:
// Invalid "result_template_unknown" when none.
func resultOf(p Procedure) (Result, resultKind, error) {
	for _, r := range p.Results {
		if k, ok := resultKinds[r.TypeCode]; ok {
			return r, k, nil
		}
	}
	return Result{}, resultKind{}, kerr.New(kerr.Invalid, "result_template_unknown",
		"Thủ tục chưa có mẫu giấy tờ kết quả để cấp điện tử.", "procedure %s has no result of a type with a template", p.Code)
}

// formData is the data of the dossier's eForm components, merged (the
// first component giving a field wins).
type formData map[string]any

func formsOf(d Dossier) formData {
	out := formData{}
	for _, c := range d.Components {
		if c.Source != SourceForm || c.Form == nil {
			continue
		}
		for k, v := range c.Form.Data {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out
}

// str is field k as text ("" when absent).
func (f formData) str(k string) string {
	switch v := f[k].(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// num is field k as a number.
func (f formData) num(k string) (float64, bool) {
	n, err := strconv.ParseFloat(f.str(k), 64)
	return n, err == nil
}

// date is a date field ("YYYY-MM-DD", as eForms keep them) at midnight in
// Vietnam; zero when absent.
func (f formData) date(k string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", f.str(k), Vietnam)
	if err != nil {
		return time.Time{}
	}
	return t
}

// sex is a sex option as people read it.
func sex(v string) string {
	switch v {
	case "nam":
		return "Nam"
	case "nu":
		return "Nữ"
	}
	return v
}

// put sets fields[k] when v is not empty.
func put(fields archive.FieldValues, k string, v any) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return
		}
	case time.Time:
		if x.IsZero() {
			return
		}
		v = archive.DateOf(x)
	}
	fields[k] = v
}

func birthCertificate(d Dossier, h convert.ResultHeader) any {
	f := formsOf(d)
	var b convert.BirthCertificateData
	b.ResultHeader = h
	b.Child.Name, b.Child.Sex, b.Child.BirthDate = f.str("hoTen"), sex(f.str("gioiTinh")), f.date("ngaySinh")
	b.Child.BirthPlace, b.Child.Ethnicity, b.Child.Nationality, b.Child.Hometown = f.str("noiSinh"), f.str("danToc"), f.str("quocTich"), f.str("queQuan")
	b.Mother.Name, b.Mother.BirthYear, b.Mother.Ethnicity = f.str("hoTenMe"), f.str("namSinhMe"), f.str("danTocMe")
	b.Mother.Nationality, b.Mother.Residence = f.str("quocTichMe"), f.str("noiCuTruMe")
	b.Father.Name, b.Father.BirthYear, b.Father.Ethnicity = f.str("hoTenCha"), f.str("namSinhCha"), f.str("danTocCha")
	b.Father.Nationality, b.Father.Residence = f.str("quocTichCha"), f.str("noiCuTruCha")
	b.Declarant = nonEmpty(f.str("hoTenNguoiYeuCau"), d.Applicant.Name)
	if rel := f.str("quanHe"); rel != "" {
		b.Declarant += " (quan hệ với người được khai sinh: " + nonEmpty(f.str("quanHeKhac"), rel) + ")"
	}
	b.BookEntry = "Số: " + h.Number
	return b
}

func birthFields(d Dossier) archive.FieldValues {
	f, out := formsOf(d), archive.FieldValues{}
	for _, k := range []string{"hoTen", "gioiTinh", "danToc", "quocTich", "noiSinh", "queQuan", "hoTenMe", "hoTenCha"} {
		put(out, k, f.str(k))
	}
	put(out, "ngaySinh", f.date("ngaySinh"))
	put(out, "ngayDangKy", d.Result.ReservedAt.In(Vietnam))
	put(out, "noiDangKy", d.HandlingAgencyName)
	return out
}

func householdBusiness(d Dossier, h convert.ResultHeader) any {
	f := formsOf(d)
	b := convert.HouseholdBusinessData{ResultHeader: h,
		RegistrationNumber: nonEmpty(f.str("maSoThue"), h.Number), FirstRegistered: h.IssuedAt,
		BusinessName: f.str("tenHoKinhDoanh"), Address: f.str("diaChiTruSo"), Phone: f.str("dienThoaiHo"), Email: f.str("emailHo"),
		Owner: convert.Person{Name: nonEmpty(f.str("hoTenChuHo"), d.Applicant.Name), Address: f.str("noiThuongTruChuHo"),
			Phone: f.str("dienThoaiChuHo"), Email: f.str("emailChuHo"), IDNumber: nonEmpty(f.str("soDinhDanhChuHo"), d.Applicant.ID)},
		OwnerBirthDate: f.date("ngaySinhChuHo"), OwnerSex: sex(f.str("gioiTinhChuHo")),
		OwnerEthnicity: f.str("danTocChuHo"), OwnerNationality: f.str("quocTichChuHo")}
	if v := f.str("vonKinhDoanh"); v != "" {
		b.Capital = forms.GroupThousands(v) + " đồng"
	}
	if rows, ok := f["nganhNghe"].([]any); ok {
		for _, r := range rows {
			m, _ := r.(map[string]any)
			row := formData(m)
			line := row.str("tenNganh")
			if code := row.str("maNganh"); code != "" {
				line += " (mã ngành " + code + ")"
			}
			if line != "" {
				b.Lines = append(b.Lines, line)
			}
		}
	}
	return b
}

func householdFields(d Dossier) archive.FieldValues {
	f, out := formsOf(d), archive.FieldValues{}
	put(out, "maSoHoKinhDoanh", nonEmpty(f.str("maSoThue"), d.Result.Number))
	put(out, "tenHoKinhDoanh", f.str("tenHoKinhDoanh"))
	put(out, "diaChiKinhDoanh", f.str("diaChiTruSo"))
	put(out, "ngayDangKyLanDau", d.Result.ReservedAt.In(Vietnam))
	return out
}

func constructionPermit(d Dossier, h convert.ResultHeader) any {
	f := formsOf(d)
	p := convert.ConstructionPermitData{ResultHeader: h,
		Owner: convert.Person{Name: nonEmpty(f.str("hoTenChuDauTu"), d.Applicant.Name), Address: f.str("diaChiChuDauTu"),
			Phone: f.str("dienThoai"), IDNumber: nonEmpty(f.str("soDinhDanhChuDauTu"), d.Applicant.ID)},
		Work: "Nhà ở riêng lẻ", Plot: f.str("loDatSo"), MapSheet: f.str("toBanDoSo"), Location: f.str("diaChiLoDat"),
		ValidUntil: h.IssuedAt.In(Vietnam).AddDate(1, 0, -1)}
	if f.str("loaiCongTrinh") == "nha_o_rieng_le_co_tang_ham" {
		p.Work = "Nhà ở riêng lẻ có tầng hầm"
	}
	for _, x := range []struct{ label, key, unit string }{
		{"Diện tích xây dựng tầng 1 (tầng trệt)", "dienTichXayDung", " m²"}, {"Tổng diện tích sàn", "tongDienTichSan", " m²"},
		{"Chiều cao công trình", "chieuCao", " m"}, {"Số tầng", "soTang", ""}, {"Diện tích lô đất", "dienTichLoDat", " m²"},
	} {
		if v := f.str(x.key); v != "" {
			p.Details = append(p.Details, [2]string{x.label, strings.ReplaceAll(v, ".", ",") + x.unit})
		}
	}
	for _, c := range d.Consultations {
		if !c.AnsweredAt.IsZero() {
			p.ConsultedAgencies = append(p.ConsultedAgencies, fmt.Sprintf("%s (ý kiến ngày %s)", c.Unit, c.AnsweredAt.In(Vietnam).Format("02/01/2006")))
		}
	}
	return p
}

func constructionFields(d Dossier) archive.FieldValues {
	f, out := formsOf(d), archive.FieldValues{}
	put(out, "diaDiem", f.str("diaChiLoDat"))
	for _, k := range []string{"dienTichXayDung", "soTang"} {
		if n, ok := f.num(k); ok {
			out[k] = n
		}
	}
	return out
}
