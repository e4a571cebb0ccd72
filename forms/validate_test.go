package forms

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of the tests: 23/11/2026 10:00 in Vietnam.
var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, Vietnam)

func testChecker() Checker {
	return Checker{Now: func() time.Time { return testNow }, Catalogs: map[string][]Option{
		"dan_toc": {{Value: "Kinh", Label: "Kinh"}, {Value: "Tày", Label: "Tày"}},
	}}
}

func loadTestDef(t testing.TB, name string) *Definition {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(data)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return d
}

// fe is a field error in a table.
func fe(field, code, msg string) FieldError {
	return FieldError{Field: field, Code: code, Message: msg}
}

func sortErrs(es []FieldError) []FieldError {
	es = slices.Clone(es)
	slices.SortFunc(es, func(a, b FieldError) int {
		return strings.Compare(a.Field+"\x00"+a.Code+"\x00"+a.Message, b.Field+"\x00"+b.Code+"\x00"+b.Message)
	})
	return es
}

func TestValidateRules(t *testing.T) {
	d := loadTestDef(t, "all_types.json")
	c := testChecker()
	long := strings.Repeat("ă", 31)
	tests := []struct {
		name string
		data string
		want []FieldError
		// clean, when set, is checked against the clean data (as JSON).
		clean string
	}{
		{"minimal", `{"hoTen":"  An Bình "}`, nil, `{"hoTen":"An Bình"}`},
		{"required", `{}`, []FieldError{fe("hoTen", "required", "Họ và tên là thông tin bắt buộc.")}, ""},
		{"required blank", `{"hoTen":"   "}`, []FieldError{fe("hoTen", "required", "Họ và tên là thông tin bắt buộc.")}, ""},
		{"null is empty", `{"hoTen":"An","email":null}`, nil, `{"hoTen":"An"}`},
		{"not an object", `["hoTen"]`, []FieldError{fe("", "wrong_type", `Dữ liệu biểu mẫu phải là một đối tượng JSON {"mã trường": giá trị}.`)}, ""},
		{"invalid json", `{"hoTen":`, []FieldError{fe("", "invalid_json", "Dữ liệu biểu mẫu không phải JSON hợp lệ.")}, ""},
		{"trailing data", `{"hoTen":"An"} {}`, []FieldError{fe("", "invalid_json", "Dữ liệu biểu mẫu không phải JSON hợp lệ.")}, ""},
		{"duplicate key", `{"hoTen":"An","hoTen":"Bình"}`, []FieldError{fe("hoTen", "duplicate_key", "Dữ liệu biểu mẫu có trường bị lặp: hoTen.")}, ""},
		{"unknown field", `{"hoTen":"An","isAdmin":true,"thongTinThem":"x","hoTenCon":"y"}`, []FieldError{
			fe("hoTenCon", "unknown_field", "Biểu mẫu không có trường thông tin «hoTenCon»."),
			fe("isAdmin", "unknown_field", "Biểu mẫu không có trường thông tin «isAdmin»."),
			fe("thongTinThem", "unknown_field", "Biểu mẫu không có trường thông tin «thongTinThem»."),
		}, ""},
		{"wrong type text", `{"hoTen":42}`, []FieldError{fe("hoTen", "wrong_type", "Họ và tên: giá trị không đúng kiểu, cần chuỗi ký tự.")}, ""},
		{"too long", `{"hoTen":"Nguyễn Thị Minh Khai Hà"}`, []FieldError{fe("hoTen", "too_long", "Họ và tên dài quá 20 ký tự (đang có 23).")}, ""},
		{"too short", `{"hoTen":"A"}`, []FieldError{fe("hoTen", "too_short", "Họ và tên cần ít nhất 2 ký tự.")}, ""},
		{"text over 255 by default", `{"hoTen":"An","email":"` + strings.Repeat("a", 251) + `@x.vn"}`, []FieldError{fe("email", "too_long", "Thư điện tử dài quá 255 ký tự (đang có 256).")}, ""},
		{"control characters", `{"hoTen":"An\u0000"}`, []FieldError{fe("hoTen", "invalid_characters", badChars("Họ và tên"))}, ""},
		{"newline in text", `{"hoTen":"An\nBình"}`, []FieldError{fe("hoTen", "invalid_characters", badChars("Họ và tên"))}, ""},
		{"terminal escape", `{"hoTen":"An\u001b[31m"}`, []FieldError{fe("hoTen", "invalid_characters", badChars("Họ và tên"))}, ""},
		{"C1 control", `{"hoTen":"An\u009b2J"}`, []FieldError{fe("hoTen", "invalid_characters", badChars("Họ và tên"))}, ""},
		{"bidi override", `{"hoTen":"An\u202eBình"}`, []FieldError{fe("hoTen", "invalid_characters", badChars("Họ và tên"))}, ""},
		{"bidi isolate", `{"hoTen":"An\u2067Bình"}`, []FieldError{fe("hoTen", "invalid_characters", badChars("Họ và tên"))}, ""},
		{"zero-width joiner", `{"hoTen":"An\u200dBình"}`, []FieldError{fe("hoTen", "invalid_characters", badChars("Họ và tên"))}, ""},
		{"bidi override in textarea", `{"hoTen":"An","ghiChu":"dòng 1\n\u202edòng 2"}`, []FieldError{fe("ghiChu", "invalid_characters", badChars("Ghi chú"))}, ""},
		{"carriage return alone in textarea", `{"hoTen":"An","ghiChu":"a\rb"}`, []FieldError{fe("ghiChu", "invalid_characters", badChars("Ghi chú"))}, ""},
		{"html is data", `{"hoTen":"<b>An</b>","ghiChu":"<script>alert(1)</script>"}`, nil, `{"ghiChu":"<script>alert(1)</script>","hoTen":"<b>An</b>"}`},
		{"email", `{"hoTen":"An","email":"an@@x"}`, []FieldError{fe("email", "invalid_email", "Thư điện tử không đúng định dạng thư điện tử (ví dụ: ten@example.vn).")}, ""},
		{"email no dot", `{"hoTen":"An","email":"an@localhost"}`, []FieldError{fe("email", "invalid_email", "Thư điện tử không đúng định dạng thư điện tử (ví dụ: ten@example.vn).")}, ""},
		{"email ok", `{"hoTen":"An","email":"an.nguyen@dichvucong.gov.vn"}`, nil, `{"email":"an.nguyen@dichvucong.gov.vn","hoTen":"An"}`},
		{"phone normalised", `{"hoTen":"An","dienThoai":"+84 912 345 678"}`, nil, `{"dienThoai":"0912345678","hoTen":"An"}`},
		{"landline", `{"hoTen":"An","dienThoai":"024.3812.3456"}`, nil, `{"dienThoai":"02438123456","hoTen":"An"}`},
		{"phone bad", `{"hoTen":"An","dienThoai":"0123"}`, []FieldError{fe("dienThoai", "invalid_phone", "Số điện thoại không phải số điện thoại Việt Nam hợp lệ (ví dụ: 0912345678 hoặc 02438123456).")}, ""},
		{"phone old prefix", `{"hoTen":"An","dienThoai":"01689123456"}`, []FieldError{fe("dienThoai", "invalid_phone", "Số điện thoại không phải số điện thoại Việt Nam hợp lệ (ví dụ: 0912345678 hoặc 02438123456).")}, ""},
		{"money", `{"hoTen":"An","soTien":"1.500.000"}`, nil, `{"hoTen":"An","soTien":"1500000"}`},
		{"money plain", `{"hoTen":"An","soTien":"0020000"}`, nil, `{"hoTen":"An","soTien":"20000"}`},
		{"money bad", `{"hoTen":"An","soTien":"1,5 triệu"}`, []FieldError{fe("soTien", "invalid_money", "Số tiền phải là số tiền bằng đồng, chỉ gồm chữ số, có thể ngăn cách hàng nghìn bằng dấu chấm (ví dụ: 1.500.000).")}, ""},
		{"money bad grouping", `{"hoTen":"An","soTien":"15.00.000"}`, []FieldError{fe("soTien", "invalid_money", "Số tiền phải là số tiền bằng đồng, chỉ gồm chữ số, có thể ngăn cách hàng nghìn bằng dấu chấm (ví dụ: 1.500.000).")}, ""},
		{"identity", `{"hoTen":"An","soDinhDanh":"001099012345"}`, nil, `{"hoTen":"An","soDinhDanh":"001099012345"}`},
		{"identity short", `{"hoTen":"An","soDinhDanh":"00109901234"}`, []FieldError{fe("soDinhDanh", "invalid_identity_number", "Số định danh cá nhân phải gồm 12 chữ số.")}, ""},
		{"identity letters", `{"hoTen":"An","soDinhDanh":"00109901234X"}`, []FieldError{fe("soDinhDanh", "invalid_identity_number", "Số định danh cá nhân phải gồm 12 chữ số.")}, ""},
		{"identity province", `{"hoTen":"An","soDinhDanh":"099099012345"}`, []FieldError{fe("soDinhDanh", "invalid_identity_number", "Số định danh cá nhân không hợp lệ: 3 chữ số đầu phải là mã tỉnh từ 001 đến 096.")}, ""},
		{"tax code 10", `{"hoTen":"An","maSoThue":"0101234567"}`, nil, ""},
		{"tax code 13", `{"hoTen":"An","maSoThue":"0101234567-001"}`, nil, ""},
		{"tax code bad", `{"hoTen":"An","maSoThue":"0101234567001"}`, []FieldError{fe("maSoThue", "invalid_tax_code", "Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (ví dụ: 0101234567-001).")}, ""},
		{"textarea lines", `{"hoTen":"An","ghiChu":"dòng 1\r\ndòng 2\tx"}`, nil, `{"ghiChu":"dòng 1\ndòng 2\tx","hoTen":"An"}`},
		{"textarea too long", `{"hoTen":"An","ghiChu":"` + long + `"}`, []FieldError{fe("ghiChu", "too_long", "Ghi chú dài quá 30 ký tự (đang có 31).")}, ""},
		{"textarea default limit", `{"hoTen":"An","moTa":"` + strings.Repeat("x", 2001) + `"}`, []FieldError{fe("moTa", "too_long", "Mô tả dài quá 2000 ký tự (đang có 2001).")}, ""},
		{"search static", `{"hoTen":"An","tinh":"Huế"}`, nil, ""},
		{"search static unknown", `{"hoTen":"An","tinh":"Đà Lạt"}`, []FieldError{fe("tinh", "invalid_option", "Tỉnh: giá trị «Đà Lạt» không có trong danh sách gợi ý.")}, ""},
		{"search free catalog", `{"hoTen":"An","ngheNghiep":"Kỹ sư phần mềm"}`, nil, ""},
		{"search catalog", `{"hoTen":"An","danToc":"Tày"}`, nil, ""},
		{"search catalog unknown", `{"hoTen":"An","danToc":"Klingon"}`, []FieldError{fe("danToc", "invalid_option", "Dân tộc: giá trị «Klingon» không có trong danh sách gợi ý.")}, ""},
		{"radio", `{"hoTen":"An","gioiTinh":"nu"}`, nil, ""},
		{"radio bad", `{"hoTen":"An","gioiTinh":"khac"}`, []FieldError{fe("gioiTinh", "invalid_option", "Giới tính: giá trị «khac» không có trong danh sách lựa chọn.")}, ""},
		{"radio list", `{"hoTen":"An","gioiTinh":["nu"]}`, []FieldError{fe("gioiTinh", "wrong_type", "Giới tính: giá trị không đúng kiểu, cần một lựa chọn.")}, ""},
		{"checkbox ordered", `{"hoTen":"An","soThich":["c","a"]}`, nil, `{"hoTen":"An","soThich":["a","c"]}`},
		{"checkbox too few", `{"hoTen":"An","soThich":["c"]}`, []FieldError{fe("soThich", "too_few_selected", "Sở thích: cần chọn ít nhất 2 mục.")}, ""},
		{"checkbox too many", `{"hoTen":"An","soThich":["a","b","c","d"]}`, []FieldError{fe("soThich", "too_many_selected", "Sở thích: chỉ được chọn tối đa 3 mục.")}, ""},
		{"checkbox duplicate", `{"hoTen":"An","soThich":["a","a"]}`, []FieldError{fe("soThich[1]", "duplicate_option", "Sở thích: lựa chọn «a» bị lặp.")}, ""},
		{"checkbox bad option", `{"hoTen":"An","soThich":["a","z"]}`, []FieldError{fe("soThich[1]", "invalid_option", "Sở thích: giá trị «z» không có trong danh sách lựa chọn.")}, ""},
		{"checkbox not list", `{"hoTen":"An","soThich":"a"}`, []FieldError{fe("soThich", "wrong_type", "Sở thích: giá trị không đúng kiểu, cần danh sách các lựa chọn.")}, ""},
		{"checkbox empty", `{"hoTen":"An","soThich":[]}`, nil, `{"hoTen":"An"}`},
		{"multi dropdown", `{"hoTen":"An","ngonNgu":["en","vi"]}`, nil, `{"hoTen":"An","ngonNgu":["vi","en"]}`},
		{"single dropdown", `{"hoTen":"An","tinhTrang":"doc_than"}`, nil, ""},
		{"date", `{"hoTen":"An","ngaySinh":"5/9/1990"}`, nil, `{"hoTen":"An","ngaySinh":"1990-09-05"}`},
		{"date iso", `{"hoTen":"An","ngaySinh":"1990-09-05"}`, nil, `{"hoTen":"An","ngaySinh":"1990-09-05"}`},
		{"date impossible", `{"hoTen":"An","ngaySinh":"31/02/2025"}`, []FieldError{fe("ngaySinh", "invalid_date", "Ngày sinh không hợp lệ: 31/02/2025 không tồn tại.")}, ""},
		{"date not leap", `{"hoTen":"An","ngaySinh":"29/02/2023"}`, []FieldError{fe("ngaySinh", "invalid_date", "Ngày sinh không hợp lệ: 29/02/2023 không tồn tại.")}, ""},
		{"date leap", `{"hoTen":"An","ngaySinh":"29/02/2024"}`, nil, ""},
		{"date month 13", `{"hoTen":"An","ngaySinh":"01/13/2020"}`, []FieldError{fe("ngaySinh", "invalid_date", "Ngày sinh không hợp lệ: 01/13/2020 không tồn tại.")}, ""},
		{"date format", `{"hoTen":"An","ngaySinh":"ngày 5 tháng 9"}`, []FieldError{fe("ngaySinh", "invalid_date", "Ngày sinh không hợp lệ: cần ngày theo dạng DD/MM/YYYY (ví dụ: 05/09/2025).")}, ""},
		{"date future", `{"hoTen":"An","ngaySinh":"24/11/2026"}`, []FieldError{fe("ngaySinh", "date_after_max", "Ngày sinh không được sau ngày 23/11/2026.")}, ""},
		{"date today", `{"hoTen":"An","ngaySinh":"23/11/2026"}`, nil, ""},
		{"date before min", `{"hoTen":"An","ngaySinh":"31/12/1899"}`, []FieldError{fe("ngaySinh", "date_before_min", "Ngày sinh phải từ ngày 01/01/1900 trở về sau.")}, ""},
		{"relative min", `{"hoTen":"An","ngayHen":"23/11/2026"}`, []FieldError{fe("ngayHen", "date_before_min", "Ngày hẹn phải từ ngày 24/11/2026 trở về sau.")}, ""},
		{"relative max", `{"hoTen":"An","ngayHen":"24/12/2026"}`, []FieldError{fe("ngayHen", "date_after_max", "Ngày hẹn không được sau ngày 23/12/2026.")}, ""},
		{"date range", `{"hoTen":"An","thoiHan":{"from":"01/01/2025","to":"31/12/2025"}}`, nil, `{"hoTen":"An","thoiHan":{"from":"2025-01-01","to":"2025-12-31"}}`},
		{"date range reversed", `{"hoTen":"An","thoiHan":{"from":"02/01/2025","to":"01/01/2025"}}`, []FieldError{fe("thoiHan", "invalid_range", "Thời hạn: ngày bắt đầu 02/01/2025 sau ngày kết thúc 01/01/2025.")}, ""},
		{"date range half", `{"hoTen":"An","thoiHan":{"from":"02/01/2025"}}`, []FieldError{fe("thoiHan", "incomplete_range", "Thời hạn: cần nhập cả điểm bắt đầu và điểm kết thúc.")}, ""},
		{"date range bad day", `{"hoTen":"An","thoiHan":{"from":"30/02/2025","to":"01/03/2025"}}`, []FieldError{fe("thoiHan.from", "invalid_date", "Thời hạn (từ ngày) không hợp lệ: 30/02/2025 không tồn tại.")}, ""},
		{"date range min", `{"hoTen":"An","thoiHan":{"from":"31/12/2019","to":"01/03/2025"}}`, []FieldError{fe("thoiHan.from", "date_before_min", "Thời hạn (từ ngày) phải từ ngày 01/01/2020 trở về sau.")}, ""},
		{"date range extra key", `{"hoTen":"An","thoiHan":{"from":"01/01/2025","to":"01/02/2025","tz":"UTC"}}`, []FieldError{fe("thoiHan", "wrong_type", `Thời hạn: giá trị không đúng kiểu, cần khoảng ngày {"from": "DD/MM/YYYY", "to": "DD/MM/YYYY"}.`)}, ""},
		{"time", `{"hoTen":"An","gioHen":"08:15"}`, nil, ""},
		{"time 12-hour", `{"hoTen":"An","gioHen":"2:05 CH","caLam":{"from":"12:00 sa","to":"12:30 PM"}}`, nil, `{"caLam":{"from":"00:00","to":"12:30"},"gioHen":"14:05","hoTen":"An"}`},
		{"time 12-hour bad", `{"hoTen":"An","gioHen":"13:05 CH"}`, []FieldError{fe("gioHen", "invalid_time", "Giờ hẹn không hợp lệ: cần giờ theo dạng hh:mm, từ 00:00 đến 23:59 (hoặc 12 giờ kèm SA/CH).")}, ""},
		{"time bad", `{"hoTen":"An","gioHen":"8h15"}`, []FieldError{fe("gioHen", "invalid_time", "Giờ hẹn không hợp lệ: cần giờ theo dạng hh:mm, từ 00:00 đến 23:59 (hoặc 12 giờ kèm SA/CH).")}, ""},
		{"time 24", `{"hoTen":"An","gioHen":"24:00"}`, []FieldError{fe("gioHen", "invalid_time", "Giờ hẹn không hợp lệ: cần giờ theo dạng hh:mm, từ 00:00 đến 23:59 (hoặc 12 giờ kèm SA/CH).")}, ""},
		{"time before min", `{"hoTen":"An","gioHen":"07:00"}`, []FieldError{fe("gioHen", "time_before_min", "Giờ hẹn phải từ 07:30 trở về sau.")}, ""},
		{"time after max", `{"hoTen":"An","gioHen":"17:01"}`, []FieldError{fe("gioHen", "time_after_max", "Giờ hẹn không được sau 17:00.")}, ""},
		{"time range", `{"hoTen":"An","caLam":{"from":"22:00","to":"23:30"}}`, nil, ""},
		{"time range reversed", `{"hoTen":"An","caLam":{"from":"22:00","to":"06:00"}}`, []FieldError{fe("caLam", "invalid_range", "Ca làm: giờ bắt đầu 22:00 phải trước giờ kết thúc 06:00.")}, ""},
		{"file", `{"hoTen":"An","tep":[{"name":"giay khai sinh.PDF","mediaType":"application/pdf","size":1000,"sha256":"` + strings.Repeat("ab", 32) + `"}]}`, nil, ""},
		{"file type", `{"hoTen":"An","tep":[{"name":"a.exe","mediaType":"application/x-msdownload","size":10}]}`, []FieldError{fe("tep[0]", "file_type_not_accepted", "Tệp «a.exe» không đúng định dạng; chấp nhận: application/pdf, .pdf, image/png.")}, ""},
		{"file size", `{"hoTen":"An","tep":[{"name":"a.png","mediaType":"image/png","size":1048577}]}`, []FieldError{fe("tep[0]", "file_too_large", "Tệp «a.png» vượt quá dung lượng tối đa 1 MB.")}, ""},
		{"file count", `{"hoTen":"An","tep":[{"name":"a.pdf","mediaType":"application/pdf","size":1},{"name":"b.pdf","mediaType":"application/pdf","size":1},{"name":"c.pdf","mediaType":"application/pdf","size":1}]}`,
			[]FieldError{fe("tep", "too_many_files", "Tệp đính kèm chỉ được đính kèm tối đa 2 tệp.")}, ""},
		{"file bad", `{"hoTen":"An","tep":[{"name":"../a.pdf","mediaType":"application/pdf","size":1}]}`, []FieldError{fe("tep[0]", "invalid_file", "Tệp đính kèm: thông tin tệp không hợp lệ (cần tên tệp, kiểu tệp, dung lượng).")}, ""},
		{"file negative", `{"hoTen":"An","tep":[{"name":"a.pdf","mediaType":"application/pdf","size":-1}]}`, []FieldError{fe("tep[0]", "invalid_file", "Tệp đính kèm: thông tin tệp không hợp lệ (cần tên tệp, kiểu tệp, dung lượng).")}, ""},
		{"spin", `{"hoTen":"An","soNguoi":3,"dienTich":12.50}`, nil, `{"dienTich":12.5,"hoTen":"An","soNguoi":3}`},
		{"spin string", `{"hoTen":"An","soNguoi":"3"}`, []FieldError{fe("soNguoi", "wrong_type", "Số người: giá trị không đúng kiểu, cần một số.")}, ""},
		{"spin decimal", `{"hoTen":"An","soNguoi":2.5}`, []FieldError{fe("soNguoi", "not_integer", "Số người phải là số nguyên.")}, ""},
		{"spin below", `{"hoTen":"An","soNguoi":0}`, []FieldError{fe("soNguoi", "below_min", "Số người phải lớn hơn hoặc bằng 1.")}, ""},
		{"spin above", `{"hoTen":"An","soNguoi":11}`, []FieldError{fe("soNguoi", "above_max", "Số người phải nhỏ hơn hoặc bằng 10.")}, ""},
		{"spin exponent", `{"hoTen":"An","soNguoi":1e1}`, []FieldError{fe("soNguoi", "not_a_number", "Số người phải là một số thập phân viết thường (ví dụ: 12 hoặc 12,5 viết là 12.5).")}, ""},
		{"spin huge", `{"hoTen":"An","soNguoi":1` + strings.Repeat("0", 400) + `}`, []FieldError{fe("soNguoi", "not_a_number", "Số người phải là một số thập phân viết thường (ví dụ: 12 hoặc 12,5 viết là 12.5).")}, ""},
		{"spin decimals", `{"hoTen":"An","dienTich":1.125}`, []FieldError{fe("dienTich", "too_many_decimals", "Diện tích chỉ được có tối đa 2 chữ số thập phân.")}, ""},
		{"spin step", `{"hoTen":"An","dienTich":1.1}`, []FieldError{fe("dienTich", "step_mismatch", "Diện tích phải tăng theo bước 0,25 (tính từ 0).")}, ""},
		{"slider", `{"hoTen":"An","mucDo":70}`, nil, ""},
		{"slider step", `{"hoTen":"An","mucDo":75}`, []FieldError{fe("mucDo", "step_mismatch", "Mức độ phải tăng theo bước 10 (tính từ 0).")}, ""},
		{"hidden group not validated nor stored", `{"hoTen":"An","tinhTrang":"doc_than","hoTenVoChong":42}`, nil, `{"hoTen":"An","tinhTrang":"doc_than"}`},
		{"visible group required", `{"hoTen":"An","tinhTrang":"ket_hon"}`, []FieldError{fe("hoTenVoChong", "required", "Họ tên vợ/chồng là thông tin bắt buộc.")}, ""},
		{"visible group", `{"hoTen":"An","tinhTrang":"ket_hon","hoTenVoChong":"Bình"}`, nil, `{"hoTen":"An","hoTenVoChong":"Bình","tinhTrang":"ket_hon"}`},
		{"required if", `{"hoTen":"An","tinhTrang":"khac"}`, []FieldError{fe("lyDoKhac", "required", "Lý do khác là thông tin bắt buộc.")}, ""},
		{"required if not", `{"hoTen":"An","tinhTrang":"khac","email":"a@b.vn"}`, nil, ""},
		{"visible by in", `{"hoTen":"An","ngonNgu":["fr"],"lyDoKhac":"du lịch"}`, nil, `{"hoTen":"An","lyDoKhac":"du lịch","ngonNgu":["fr"]}`},
		{"hidden dropped", `{"hoTen":"An","lyDoKhac":"x"}`, nil, `{"hoTen":"An"}`},
		{"rows", `{"hoTen":"An","conCai":[{"hoTenCon":"Cúc","coDiHoc":"co","truong":"THCS Ba Đình","ngaySinhCon":"01/06/2015"},{"hoTenCon":"Đào","coDiHoc":"khong","truong":"bỏ"}]}`, nil,
			`{"conCai":[{"coDiHoc":"co","hoTenCon":"Cúc","ngaySinhCon":"2015-06-01","truong":"THCS Ba Đình"},{"coDiHoc":"khong","hoTenCon":"Đào"}],"hoTen":"An"}`},
		{"rows errors", `{"hoTen":"An","conCai":[{"hoTenCon":"Cúc"},{"coDiHoc":"co","ngaySinhCon":"30/02/2016","x":1}]}`, []FieldError{
			fe("conCai[1].hoTenCon", "required", "Họ tên con (dòng 2) là thông tin bắt buộc."),
			fe("conCai[1].ngaySinhCon", "invalid_date", "Ngày sinh của con (dòng 2) không hợp lệ: 30/02/2016 không tồn tại."),
			fe("conCai[1].truong", "required", "Trường (dòng 2) là thông tin bắt buộc."),
			fe("conCai[1].x", "unknown_field", "Biểu mẫu không có trường thông tin «x»."),
		}, ""},
		{"too many rows", `{"hoTen":"An","conCai":[{"hoTenCon":"A"},{"hoTenCon":"B"},{"hoTenCon":"C"},{"hoTenCon":"D"}]}`, []FieldError{fe("conCai", "too_many_rows", "Con có tối đa 3 dòng (đang có 4).")}, ""},
		{"rows not list", `{"hoTen":"An","conCai":{"hoTenCon":"A"}}`, []FieldError{fe("conCai", "wrong_type", "Con: giá trị không đúng kiểu, cần danh sách các dòng.")}, ""},
		{"row not object", `{"hoTen":"An","conCai":["A"]}`, []FieldError{fe("conCai[0]", "wrong_type", `Con (dòng 1): mỗi dòng phải là một đối tượng {"mã trường": giá trị}.`)}, ""},
		{"empty rows dropped", `{"hoTen":"An","conCai":[{},{"hoTenCon":" "}]}`, []FieldError{fe("conCai[1].hoTenCon", "required", "Họ tên con (dòng 2) là thông tin bắt buộc."), fe("conCai[0].hoTenCon", "required", "Họ tên con (dòng 1) là thông tin bắt buộc.")}, ""},
		{"vietnamese and quotes", `{"hoTen":"Đỗ \"Tý\" Ứng"}`, nil, `{"hoTen":"Đỗ \"Tý\" Ứng"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vals, errs := c.Validate(d, []byte(tt.data))
			if got, want := sortErrs(errs), sortErrs(tt.want); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("errors:\n got %q\nwant %q", got, want)
			}
			if vals.Form != "TEST_ALL" || vals.Version != 3 {
				t.Errorf("values name %s v%d", vals.Form, vals.Version)
			}
			if tt.clean != "" {
				got, err := json.Marshal(vals.Data)
				if err != nil {
					t.Fatal(err)
				}
				var a, b any
				_ = json.Unmarshal(got, &a)
				if err := json.Unmarshal([]byte(tt.clean), &b); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("clean data\n got %s\nwant %s", got, tt.clean)
				}
			}
		})
	}
}

func TestValidatePayloadLimits(t *testing.T) {
	d := loadTestDef(t, "all_types.json")
	c := testChecker()
	c.MaxBytes = 1000
	c.MaxValues = 50
	_, errs := c.Validate(d, []byte(`{"hoTen":"`+strings.Repeat("a", 1000)+`"}`))
	if len(errs) != 1 || errs[0].Code != "payload_too_large" || errs[0].Message != "Dữ liệu biểu mẫu quá lớn: 1012 byte, tối đa 1000 byte." {
		t.Errorf("big payload: %q", errs)
	}
	_, errs = c.Validate(d, []byte(`{"hoTen":"An","soThich":[`+strings.TrimSuffix(strings.Repeat(`"a",`, 60), ",")+`]}`))
	if len(errs) != 1 || errs[0].Code != "too_many_values" || errs[0].Message != "Dữ liệu biểu mẫu có quá nhiều giá trị (tối đa 50)." {
		t.Errorf("many values: %q", errs)
	}
	// Nesting is bounded too.
	_, errs = Validate(d, []byte(`{"hoTen":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`))
	if len(errs) != 1 || errs[0].Code != "nesting_too_deep" {
		t.Errorf("deep: %q", errs)
	}
	// Invalid UTF-8 is refused, not replaced.
	_, errs = Validate(d, []byte("{\"hoTen\":\"An\xff\"}"))
	if len(errs) != 1 || errs[0].Code != "invalid_json" {
		t.Errorf("bad utf-8: %q", errs)
	}
	// The default limit.
	_, errs = Validate(d, []byte(`{"hoTen":"`+strings.Repeat("a", DefaultMaxDataBytes)+`"}`))
	if len(errs) != 1 || errs[0].Code != "payload_too_large" {
		t.Errorf("default limit: %q", errs)
	}
}

func TestValidateUncheckedDefinition(t *testing.T) {
	d := &Definition{Schema: 1, Code: "X", Version: 1, Title: "X", Fields: []Field{{Code: "a", Type: TypeText, Label: "A"}}}
	if _, errs := Validate(d, []byte(`{}`)); len(errs) != 1 || errs[0].Code != "form_definition_unchecked" {
		t.Fatalf("unchecked: %q", errs)
	}
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	if _, errs := Validate(d, []byte(`{"a":"x"}`)); len(errs) != 0 {
		t.Fatalf("checked: %q", errs)
	}
}

// BenchmarkValidateBirth validates the realistic birth-registration
// declaration (33 values).
func BenchmarkValidateBirth(b *testing.B) {
	reg, err := NewShippedRegistry()
	if err != nil {
		b.Fatal(err)
	}
	d, _ := reg.Get("TK_KHAI_SINH", 0)
	c := testChecker()
	data := []byte(birthExample)
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := c.Validate(d, data); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkValidateRows validates 30 rows of household members.
func BenchmarkValidateRows(b *testing.B) {
	reg, err := NewShippedRegistry()
	if err != nil {
		b.Fatal(err)
	}
	d, _ := reg.Get("HKD_DANG_KY", 0)
	row := `{"hoTenThanhVien": "Phạm Văn Dũng", "ngaySinhThanhVien": "02/07/1983", "soDinhDanhThanhVien": "079083000456", "tyLeGopVon": 5}`
	rows := strings.TrimSuffix(strings.Repeat(row+",", 30), ",")
	data := []byte(householdExample[:strings.Index(householdExample, `"thanhVien"`)] + `"thanhVien": [` + rows + `], "camKet": ["dong_y"]}`)
	c := testChecker()
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := c.Validate(d, data); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}

// badChars is the message for text with control or format characters.
func badChars(label string) string {
	return label + " chứa ký tự điều khiển hoặc ký tự định dạng ẩn (như ký tự đảo chiều hiển thị), không được phép."
}
