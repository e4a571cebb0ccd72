package forms

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzRender: any data that Validate accepts renders, as a plain PDF and
// as PDF/A, without error or panic. The kept corpus is in
// testdata/fuzz/FuzzRender.
func FuzzRender(f *testing.F) {
	d := loadTestDef(f, "all_types.json")
	f.Add([]byte(`{"hoTen":"An Bình","email":"an@example.vn","dienThoai":"0912345678","soTien":"1.500.000",` +
		`"soDinhDanh":"001099012345","ghiChu":"dòng 1\ndòng 2","moTa":"<b>đậm</b>","gioiTinh":"nu","soThich":["a","c"],` +
		`"tinhTrang":"ket_hon","ngonNgu":["vi","en"],"ngaySinh":"01/02/1990","thoiHan":{"from":"01/01/2025","to":"31/12/2025"},` +
		`"gioHen":"08:30","caLam":{"from":"07:00","to":"11:30"},"tep":[{"name":"a.pdf","mediaType":"application/pdf","size":2048}],` +
		`"soNguoi":3,"dienTich":12.5,"mucDo":40,"thongTinThem":{"hoTenVoChong":"Cúc"},` +
		`"conCai":[{"hoTenCon":"Đào","coDiHoc":"co","truong":"Tiểu học Kim Đồng","ngaySinhCon":"02/09/2015"},{"hoTenCon":"Mai"}]}`))
	f.Add([]byte(`{"hoTen":"<script>alert(1)</script>","ghiChu":"\u0000\u202e\u0007 x","conCai":[]}`))
	f.Add([]byte(`{"hoTen":"` + strings.Repeat("W", 20) + `","moTa":"` + strings.Repeat("Nghiêng ", 250) + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, errs := testChecker().Validate(d, data)
		if len(errs) > 0 {
			return
		}
		for _, pdfa := range []bool{false, true} {
			var b bytes.Buffer
			if err := Render(context.Background(), d, v, &b, RenderOptions{PDFA: pdfa, Now: func() time.Time { return testNow }}); err != nil {
				t.Fatalf("Render (PDF/A %v): %v", pdfa, err)
			}
			if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-1.7")) || !bytes.HasSuffix(b.Bytes(), []byte("%%EOF\n")) {
				t.Fatal("not a PDF")
			}
		}
	})
}

// BenchmarkRender measures rendering the filled birth registration (two
// pages), plain and PDF/A (docs/benchmarks.md).
func BenchmarkRender(b *testing.B) {
	d, v := birthValues(b)
	for _, pdfa := range []bool{false, true} {
		name := "plain"
		if pdfa {
			name = "pdfa"
		}
		b.Run(name, func(b *testing.B) {
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				if err := Render(context.Background(), d, v, &out, RenderOptions{PDFA: pdfa}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len()), "bytes/file")
		})
	}
}
