package calendar

import (
	"bytes"
	_ "embed"
)

// shippedJSON is the national calendar Kho ships: shipped/vietnam.json.
//
// The week is DefaultWeek. The days are the days off and make-up days the
// government decided for cán bộ, công chức, viên chức in 2025 and 2026,
// over the holidays of the Labour Code 2019 art. 112 (1/1; five days of
// Tết; 10/3 of the lunar year; 30/4; 1/5; 2/9 and a day next to it) and
// its rule that a holiday falling on a weekly day off is made up on the
// next working day:
//
//   - 2025: Văn phòng Chính phủ, công văn 8726/VPCP-KGVX of 26/11/2024
//     (Tết Ất Tỵ from Saturday 25/01 to Sunday 02/02; 30/4–4/5 with Friday
//     02/05 swapped for Saturday 26/04; 2/9 with Monday 01/09). 01/01 and
//     Giỗ Tổ (Monday 07/04) fell on weekdays.
//   - 2026: Tết Dương lịch — công văn 12729/VPCP-KGVX of 25/12/2025,
//     Friday 02/01 swapped for Saturday 10/01. Tết Bính Ngọ and Quốc khánh
//     — the Prime Minister's decision relayed by Văn phòng Chính phủ in
//     October 2025, as reported by the press on 13–14/10/2025 (the
//     document's number is to be confirmed): Tết from Saturday 14/02 to
//     Sunday 22/02; 29/08–02/09 with Monday 31/08 swapped for Saturday
//     22/08. Giỗ Tổ falls on Sunday 26/04, made up on Monday 27/04; 30/4
//     and 1/5 fall on Thursday and Friday.
//
// Not included, to be confirmed: 24/11, Ngày Văn hóa Việt Nam, which the
// Politburo chose in January 2026 to become a paid holiday once the
// Labour Code is amended; add it with `kho admin calendar set` when
// the law applies.
//
// Only the official days off are listed, not the weekends inside a break:
// an agency open on Saturdays lists its own.
//
//go:embed shipped/vietnam.json
var shippedJSON []byte

// Shipped returns the national calendar Kho ships (see shippedJSON for
// its sources). The tests check that it parses; an error here is a bug.
func Shipped() (Spec, error) {
	return ParseSpec(bytes.NewReader(shippedJSON))
}
