package forms

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kho-vn/kho/internal/kerr"
)

// Realistic filled examples of the shipped forms (as of testNow).
const (
	birthExample = `{
	"kinhGui": "Ủy ban nhân dân phường Ba Đình, thành phố Hà Nội",
	"hoTenNguoiYeuCau": "Nguyễn Văn An",
	"soDinhDanhNguoiYeuCau": "001099012345",
	"noiCuTruNguoiYeuCau": "Số 12, ngõ 34 phố Đội Cấn, phường Ba Đình, thành phố Hà Nội",
	"quanHe": "cha",
	"dienThoai": "0912 345 678",
	"email": "an.nguyen@example.vn",
	"hoTen": "Nguyễn Minh Khôi",
	"ngaySinh": "02/11/2026",
	"gioiTinh": "nam",
	"danToc": "Kinh",
	"quocTich": "Việt Nam",
	"noiSinh": "Bệnh viện Phụ sản Hà Nội, phường Giảng Võ, thành phố Hà Nội",
	"queQuan": "Xã Hành Thiện, tỉnh Ninh Bình",
	"coThongTinCha": "co",
	"hoTenCha": "Nguyễn Văn An",
	"namSinhCha": 1999,
	"soDinhDanhCha": "001099012345",
	"danTocCha": "Kinh",
	"quocTichCha": "Việt Nam",
	"noiCuTruCha": "Số 12, ngõ 34 phố Đội Cấn, phường Ba Đình, thành phố Hà Nội",
	"hoTenMe": "Trần Thị Bích",
	"namSinhMe": 2000,
	"soDinhDanhMe": "036300001234",
	"danTocMe": "Tày",
	"quocTichMe": "Việt Nam",
	"noiCuTruMe": "Số 12, ngõ 34 phố Đội Cấn, phường Ba Đình, thành phố Hà Nội",
	"deNghiCapBanSao": "co",
	"soBanSao": 2,
	"giayToKemTheo": [{"name": "giay-chung-sinh.pdf", "mediaType": "application/pdf", "size": 184320}],
	"camDoan": ["dong_y"],
	"lamTai": "Hà Nội",
	"ngayKhai": "20/11/2026"
}`
	householdExample = `{
	"kinhGui": "Ủy ban nhân dân phường Bến Nghé, Thành phố Hồ Chí Minh",
	"hoTenChuHo": "Lê Thị Hồng",
	"ngaySinhChuHo": "15/03/1985",
	"gioiTinhChuHo": "nu",
	"danTocChuHo": "Kinh",
	"quocTichChuHo": "Việt Nam",
	"soDinhDanhChuHo": "079185000123",
	"noiThuongTruChuHo": "45 Lê Lợi, phường Bến Nghé, Thành phố Hồ Chí Minh",
	"dienThoaiChuHo": "0908123456",
	"emailChuHo": "hong.le@example.vn",
	"tenHoKinhDoanh": "Hộ kinh doanh Bánh mì Hồng & Con",
	"diaChiTruSo": "47 Lê Lợi, phường Bến Nghé, Thành phố Hồ Chí Minh",
	"nganhNghe": [
		{"tenNganh": "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động", "maNganh": "5610", "nganhChinh": ["co"]},
		{"tenNganh": "Bán lẻ lương thực trong các cửa hàng chuyên doanh", "maNganh": "4721"}
	],
	"vonKinhDoanh": "150.000.000",
	"soLaoDong": 3,
	"dienTich": 24.5,
	"ngayBatDau": "01/12/2026",
	"gioHoatDong": {"from": "06:00", "to": "21:30"},
	"phuongPhapThue": "ke_khai",
	"laHoGiaDinh": "ho_gia_dinh",
	"thanhVien": [
		{"hoTenThanhVien": "Phạm Văn Dũng", "ngaySinhThanhVien": "02/07/1983", "soDinhDanhThanhVien": "079083000456", "tyLeGopVon": 40},
		{"hoTenThanhVien": "Lê Thị Hồng", "ngaySinhThanhVien": "15/03/1985", "soDinhDanhThanhVien": "079185000123", "tyLeGopVon": 60}
	],
	"camKet": ["dong_y"]
}`
	cardExample = `{"loaiThe":"can_cuoc","soDinhDanh":"001099012345","hoTen":"Nguyễn Văn An","ngaySinh":"12/05/1999","gioiTinh":"nam",
	"quocTich":"Việt Nam","queQuan":"Hà Nội","noiCuTru":"Số 12, ngõ 34 phố Đội Cấn, Hà Nội","ngayCap":"01/07/2024","noiCap":"Bộ Công an","coGiaTriDen":"12/05/2039"}`
)

// permitExample is a filled construction-permit application.
const permitExample = `{
	"kinhGui": "Ủy ban nhân dân phường Bến Nghé, Thành phố Hồ Chí Minh",
	"hoTenChuDauTu": "Phạm Minh Tuấn",
	"soDinhDanhChuDauTu": "079080001234",
	"diaChiChuDauTu": "18 Nguyễn Huệ, phường Bến Nghé, Thành phố Hồ Chí Minh",
	"dienThoai": "0903 111 222",
	"loDatSo": "125",
	"toBanDoSo": "7",
	"dienTichLoDat": 84.5,
	"diaChiLoDat": "27 Hồ Tùng Mậu, phường Bến Nghé, Thành phố Hồ Chí Minh",
	"loaiCongTrinh": "nha_o_rieng_le",
	"dienTichXayDung": 72.25,
	"tongDienTichSan": 289,
	"chieuCao": 15.6,
	"soTang": 4,
	"ghiChu": "1 tum",
	"thoiGianHoanThanh": 10,
	"camKet": ["dong_y"],
	"lamTai": "Thành phố Hồ Chí Minh",
	"ngayKhai": "20/11/2026"
}`

func TestShippedDefinitions(t *testing.T) {
	reg, err := NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	want := []Summary{
		{Code: "CAN_CUOC", Version: 1, Title: "Căn cước công dân / Thẻ căn cước", Kind: KindDocumentType},
		{Code: "HKD_DANG_KY", Version: 1, Title: "Giấy đề nghị đăng ký hộ kinh doanh", Kind: KindForm},
		{Code: "TK_GP_XAY_DUNG", Version: 1, Title: "Đơn đề nghị cấp giấy phép xây dựng", Kind: KindForm},
		{Code: "TK_KHAI_SINH", Version: 1, Title: "Tờ khai đăng ký khai sinh", Kind: KindForm},
	}
	if got := reg.List(); !reflect.DeepEqual(got, want) {
		t.Fatalf("shipped %+v", got)
	}
	c := testChecker()
	for _, ex := range []struct{ code, data string }{{"TK_KHAI_SINH", birthExample}, {"HKD_DANG_KY", householdExample}, {"CAN_CUOC", cardExample}, {"TK_GP_XAY_DUNG", permitExample}} {
		d, err := reg.Get(ex.code, 0)
		if err != nil {
			t.Fatal(err)
		}
		vals, errs := c.Validate(d, []byte(ex.data))
		if len(errs) > 0 {
			t.Errorf("%s: realistic example refused: %q", ex.code, errs)
		}
		if len(vals.Data) < 10 {
			t.Errorf("%s: only %d values kept", ex.code, len(vals.Data))
		}
	}
	d, _ := reg.Get("TK_KHAI_SINH", 1)
	vals, _ := c.Validate(d, []byte(birthExample))
	if vals.Data["dienThoai"] != "0912345678" || vals.Data["ngaySinh"] != "2026-11-02" {
		t.Errorf("clean birth data: %v", vals.Data)
	}
}

func TestShippedRefuseBadExamples(t *testing.T) {
	reg, err := NewShippedRegistry()
	if err != nil {
		t.Fatal(err)
	}
	c := testChecker()
	tests := []struct {
		code, data, replace, by string
		want                    []FieldError
	}{
		{"TK_KHAI_SINH", birthExample, `"ngaySinh": "02/11/2026"`, `"ngaySinh": "31/02/2025"`,
			[]FieldError{fe("ngaySinh", "invalid_date", "Ngày, tháng, năm sinh không hợp lệ: 31/02/2025 không tồn tại.")}},
		{"TK_KHAI_SINH", birthExample, `"ngaySinh": "02/11/2026"`, `"ngaySinh": "24/11/2026"`,
			[]FieldError{fe("ngaySinh", "date_after_max", "Ngày, tháng, năm sinh không được sau ngày 23/11/2026.")}},
		{"TK_KHAI_SINH", birthExample, `"soDinhDanhNguoiYeuCau": "001099012345"`, `"soDinhDanhNguoiYeuCau": "0010990123"`,
			[]FieldError{fe("soDinhDanhNguoiYeuCau", "invalid_identity_number", "Số định danh cá nhân phải gồm 12 chữ số.")}},
		{"TK_KHAI_SINH", birthExample, `"danToc": "Kinh"`, `"danToc": "Kinh<script>"`,
			[]FieldError{fe("danToc", "invalid_option", "Dân tộc: giá trị «Kinh<script>» không có trong danh sách gợi ý.")}},
		{"TK_KHAI_SINH", birthExample, `"camDoan": ["dong_y"],`, ``,
			[]FieldError{fe("camDoan", "required", "Cam đoan là thông tin bắt buộc.")}},
		{"TK_KHAI_SINH", birthExample, `"soBanSao": 2,`, `"soBanSao": 20,`,
			[]FieldError{fe("soBanSao", "above_max", "Số lượng bản sao phải nhỏ hơn hoặc bằng 10.")}},
		{"TK_KHAI_SINH", birthExample, `"quanHe": "cha",`, `"quanHe": "khac",`,
			[]FieldError{fe("quanHeKhac", "required", "Quan hệ khác (ghi rõ) là thông tin bắt buộc.")}},
		{"TK_KHAI_SINH", birthExample, `"hoTen": "Nguyễn Minh Khôi",`, `"hoTen": "Nguyễn Minh Khôi", "nguoiDuocKhaiSinh": {"hoTen": "x"},`,
			[]FieldError{fe("nguoiDuocKhaiSinh", "unknown_field", "Biểu mẫu không có trường thông tin «nguoiDuocKhaiSinh».")}},
		{"HKD_DANG_KY", householdExample, `"ngaySinhChuHo": "15/03/1985"`, `"ngaySinhChuHo": "15/03/2010"`,
			[]FieldError{fe("ngaySinhChuHo", "date_after_max", "Ngày sinh không được sau ngày 23/11/2008.")}},
		{"HKD_DANG_KY", householdExample, `"vonKinhDoanh": "150.000.000"`, `"vonKinhDoanh": "150 triệu"`,
			[]FieldError{fe("vonKinhDoanh", "invalid_money", "Vốn kinh doanh (đồng) phải là số tiền bằng đồng, chỉ gồm chữ số, có thể ngăn cách hàng nghìn bằng dấu chấm (ví dụ: 1.500.000).")}},
		{"HKD_DANG_KY", householdExample, `"tyLeGopVon": 40}`, `"tyLeGopVon": 42}`,
			[]FieldError{fe("thanhVien[0].tyLeGopVon", "step_mismatch", "Tỷ lệ góp vốn (%) (dòng 1) phải tăng theo bước 5 (tính từ 0).")}},
		{"HKD_DANG_KY", householdExample, `"gioHoatDong": {"from": "06:00", "to": "21:30"}`, `"gioHoatDong": {"from": "04:00", "to": "21:30"}`,
			[]FieldError{fe("gioHoatDong.from", "time_before_min", "Giờ hoạt động (từ) phải từ 05:00 trở về sau.")}},
		{"HKD_DANG_KY", householdExample, `"maNganh": "4721"`, `"maNganh": "47"`,
			[]FieldError{fe("nganhNghe[1].maNganh", "too_short", "Mã ngành (cấp 4) (dòng 2) cần ít nhất 4 ký tự.")}},
		{"HKD_DANG_KY", householdExample, `"laHoGiaDinh": "ho_gia_dinh"`, `"laHoGiaDinh": "ca_nhan"`, nil}, // the members are hidden: not validated, not stored
		{"CAN_CUOC", cardExample, `"soDinhDanh":"001099012345"`, `"soDinhDanh":"123"`,
			[]FieldError{fe("soDinhDanh", "invalid_identity_number", "Số định danh cá nhân phải gồm 12 chữ số.")}},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.by, func(t *testing.T) {
			if !strings.Contains(tt.data, tt.replace) {
				t.Fatalf("example lacks %s", tt.replace)
			}
			d, err := reg.Get(tt.code, 0)
			if err != nil {
				t.Fatal(err)
			}
			vals, errs := c.Validate(d, []byte(strings.Replace(tt.data, tt.replace, tt.by, 1)))
			if !reflect.DeepEqual(errs, tt.want) && !(len(errs) == 0 && len(tt.want) == 0) {
				t.Errorf("errors\n got %q\nwant %q", errs, tt.want)
			}
			if tt.want == nil && vals.Data["thanhVien"] != nil {
				t.Errorf("hidden rows stored: %v", vals.Data["thanhVien"])
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	reg := NewRegistry()
	v1 := def(`{"code":"a","type":"text","label":"A"}`)
	fsys := fstest.MapFS{
		"t1.json":    {Data: []byte(v1)},
		"t2.json":    {Data: []byte(strings.Replace(v1, `"version":1`, `"version":2`, 1))},
		"notes.txt":  {Data: []byte("ignored")},
		"sub/x.json": {Data: []byte("ignored: not at the root")},
	}
	n, err := reg.LoadFS(fsys)
	if err != nil || n != 2 {
		t.Fatalf("load: %d %v", n, err)
	}
	d, err := reg.Get("T", 0)
	if err != nil || d.Version != 2 {
		t.Fatalf("latest: %v %v", d, err)
	}
	if d, err := reg.Get("T", 1); err != nil || d.Version != 1 {
		t.Fatalf("v1: %v %v", d, err)
	}
	if _, err := reg.Get("T", 3); !kerr.IsKind(err, kerr.NotFound) || kerr.Outer(err).Code != "form_version_not_found" {
		t.Fatalf("v3: %v", err)
	}
	if _, err := reg.Get("U", 0); !kerr.IsKind(err, kerr.NotFound) || kerr.Outer(err).Code != "form_not_found" {
		t.Fatalf("U: %v", err)
	}
	// The same definition again is fine; another under a published version is a conflict.
	same, _ := Parse([]byte(v1))
	if created, err := reg.Put(same); created || err != nil {
		t.Fatalf("same again: %v %v", created, err)
	}
	other, _ := Parse([]byte(strings.Replace(v1, `"label":"A"`, `"label":"B"`, 1)))
	if _, err := reg.Put(other); !kerr.IsKind(err, kerr.Conflict) {
		t.Fatalf("changed published: %v", err)
	}
	// A bad file names itself.
	_, err = NewRegistry().LoadFS(fstest.MapFS{"bad.json": {Data: []byte(`{"schema":1}`)}})
	if !kerr.IsKind(err, kerr.Invalid) || !strings.Contains(kerr.Outer(err).Message, "bad.json") {
		t.Fatalf("bad file: %v", err)
	}
	// LoadDir reads the repository's definitions like the embedded ones.
	if n, err := NewRegistry().LoadDir("definitions"); err != nil || n != 4 {
		t.Fatalf("load dir: %d %v", n, err)
	}
}
