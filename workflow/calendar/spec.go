package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kho-vn/kho/archive"
	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/internal/textrule"
)

// Kind says what an exceptional day is.
type Kind string

// The kinds of exceptional day.
const (
	// Holiday is a day off on a day that would be worked: a public
	// holiday, the day off that makes up for a holiday falling on a
	// weekend (nghỉ bù), or a working day swapped with a Saturday (hoán
	// đổi).
	Holiday Kind = "holiday"
	// Workday is a working day on a day that would not be: the Saturday
	// that makes up for a swapped day (ngày làm bù), or a day with other
	// hours than the week's.
	Workday Kind = "workday"
)

// Limits of a Spec.
const (
	// MinYear and MaxYear bound the years a calendar may name, and the
	// instants the arithmetic accepts.
	MinYear = 2000
	MaxYear = 2199
	// MaxDays bounds the exceptional days of one Spec: decades of them.
	MaxDays = 3000
	// MaxSpecBytes bounds a calendar file or request body.
	MaxSpecBytes = 1 << 20
	// maxNameRunes bounds a day's name.
	maxNameRunes = 200
	// maxAgencyLen bounds an agency code.
	maxAgencyLen = 64
)

// Day is one exceptional day of a calendar.
type Day struct {
	Date archive.Date `json:"date"`
	Kind Kind         `json:"kind"`
	// Name says what the day is, for people ("Tết Nguyên đán", "Làm bù
	// cho thứ Sáu 02/01/2026").
	Name string `json:"name"`
	// Hours are a Workday's periods; none: the hours of an ordinary
	// working day (the week's first weekday with hours, from Monday).
	Hours []Period `json:"hours,omitempty"`
}

// UnmarshalJSON decodes a day as Day's fields say, no unknown field, and
// answers a date that is not a real YYYY-MM-DD day (2026-02-30) with
// invalid_calendar_date rather than as JSON that does not parse.
func (d *Day) UnmarshalJSON(b []byte) error {
	var raw struct {
		Date  json.RawMessage `json:"date"`
		Kind  Kind            `json:"kind"`
		Name  string          `json:"name"`
		Hours []Period        `json:"hours"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	var date archive.Date
	if len(raw.Date) > 0 && string(raw.Date) != "null" {
		if err := json.Unmarshal(raw.Date, &date); err != nil {
			return invalidf("invalid_calendar_date", errDateMessage, "%v", err)
		}
	}
	*d = Day{Date: date, Kind: raw.Kind, Name: raw.Name, Hours: raw.Hours}
	return nil
}

// errDateMessage is the message of invalid_calendar_date.
var errDateMessage = fmt.Sprintf("Ngày phải có dạng YYYY-MM-DD, năm từ %d đến %d.", MinYear, MaxYear)

// Spec is a calendar as people write, store and read it: the JSON of a
// calendar file, of `PUT /api/v1/calendar` and of its GET.
//
// The national calendar (Agency "") holds the working week and the public
// holidays and make-up days the government decides for each year. An
// agency's calendar holds what differs for that agency: its own working
// week, and days of its own that take the place of the national ones on
// the same date.
type Spec struct {
	// Agency is "" for the national calendar, or an agency code.
	Agency string `json:"agency,omitempty"`
	// Hours is the working week; nil: unchanged by an update, the national
	// week for an agency.
	Hours *Week `json:"hours,omitempty"`
	// Years are the years whose exceptional days Days lists in full: an
	// update replaces the stored days of exactly these years. In the
	// national calendar they are the years whose holidays are known.
	Years []int `json:"years,omitempty"`
	// Days are the exceptional days, by date; each falls in one of Years.
	Days []Day `json:"days,omitempty"`
}

// ParseSpec reads one calendar as JSON (at most MaxSpecBytes, no unknown
// fields), checks it (Check) and returns it with its years and days in
// order. Errors: TooLarge over MaxSpecBytes; Invalid otherwise.
func ParseSpec(r io.Reader) (Spec, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSpecBytes+1))
	if err != nil {
		return Spec{}, kerr.Wrap(err, kerr.Invalid, "calendar_unreadable", "Không đọc được dữ liệu lịch làm việc.")
	}
	if len(data) > MaxSpecBytes {
		return Spec{}, kerr.New(kerr.TooLarge, "calendar_too_large",
			fmt.Sprintf("Dữ liệu lịch làm việc vượt quá %d KiB.", MaxSpecBytes>>10), "calendar JSON over %d bytes", MaxSpecBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		if ke := kerr.Outer(err); ke != nil {
			return Spec{}, ke
		}
		return Spec{}, kerr.Wrap(err, kerr.Invalid, "invalid_calendar_json", "Dữ liệu lịch làm việc không phải JSON hợp lệ.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Spec{}, kerr.New(kerr.Invalid, "invalid_calendar_json", "Dữ liệu lịch làm việc không phải JSON hợp lệ.", "data after the calendar")
	}
	if err := s.Check(); err != nil {
		return Spec{}, err
	}
	s.sort()
	return s, nil
}

// Check refuses a Spec that breaks a rule: a bad agency code or week,
// years out of range or repeated, over MaxDays days, a day without a
// date, name or known kind, a date twice or outside Years, hours on a
// Holiday.
func (s Spec) Check() error {
	if err := CheckAgency(s.Agency); err != nil {
		return err
	}
	if s.Hours != nil {
		if err := s.Hours.Check(); err != nil {
			return err
		}
	}
	years := make(map[int]bool, len(s.Years))
	for _, y := range s.Years {
		if y < MinYear || y > MaxYear {
			return invalidf("calendar_year_out_of_range", fmt.Sprintf("Năm của lịch phải từ %d đến %d.", MinYear, MaxYear), "year %d", y)
		}
		if years[y] {
			return invalidf("calendar_year_repeated", "Một năm được khai báo hai lần.", "year %d twice", y)
		}
		years[y] = true
	}
	if len(s.Days) > MaxDays {
		return kerr.New(kerr.TooLarge, "too_many_calendar_days",
			fmt.Sprintf("Lịch có tối đa %d ngày đặc biệt.", MaxDays), "%d days > %d", len(s.Days), MaxDays)
	}
	seen := make(map[archive.Date]bool, len(s.Days))
	for i, d := range s.Days {
		if err := d.check(); err != nil {
			return err
		}
		if !years[d.Date.Year] {
			return invalidf("calendar_day_outside_years", "Ngày đặc biệt phải thuộc một năm được khai báo trong \"years\".",
				"day %d (%s): year %d is not in years", i, d.Date, d.Date.Year)
		}
		if seen[d.Date] {
			return invalidf("calendar_day_repeated", "Một ngày được khai báo hai lần.", "date %s twice", d.Date)
		}
		seen[d.Date] = true
	}
	return nil
}

// check checks one day, whatever the years.
func (d Day) check() error {
	if d.Date.IsZero() || d.Date.Year < MinYear || d.Date.Year > MaxYear {
		return invalidf("invalid_calendar_date", errDateMessage, "date %q", d.Date.String())
	}
	switch d.Kind {
	case Holiday:
		if len(d.Hours) > 0 {
			return invalidf("holiday_with_hours", "Ngày nghỉ không có giờ làm việc.", "%s: a holiday has hours", d.Date)
		}
	case Workday:
		if err := checkPeriods(d.Hours, d.Date.String()); err != nil {
			return err
		}
	default:
		return invalidf("invalid_calendar_day_kind", "Loại ngày phải là \"holiday\" (ngày nghỉ) hoặc \"workday\" (ngày làm việc).", "%s: kind %q", d.Date, d.Kind)
	}
	if strings.TrimSpace(d.Name) == "" || utf8.RuneCountInString(d.Name) > maxNameRunes || !utf8.ValidString(d.Name) {
		return invalidf("invalid_calendar_day_name", fmt.Sprintf("Tên ngày là bắt buộc, tối đa %d ký tự.", maxNameRunes), "%s: name empty, too long or not UTF-8", d.Date)
	}
	if i, r := textrule.Find(d.Name, false); i >= 0 {
		return invalidf("invalid_calendar_day_name", "Tên ngày chứa ký tự điều khiển hoặc ký tự ẩn.", "%s: name has %U at byte %d", d.Date, r, i)
	}
	return nil
}

// CheckAgency refuses an agency code that is not "" (the national
// calendar) or 1 to 64 letters, digits, '.', '_' and '-'.
func CheckAgency(code string) error {
	ok := len(code) <= maxAgencyLen
	for i := 0; ok && i < len(code); i++ {
		c := code[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		return kerr.New(kerr.Invalid, "invalid_agency_code", "Mã cơ quan không hợp lệ.", "agency code %q: want up to %d of [A-Za-z0-9._-]", printable(code), maxAgencyLen)
	}
	return nil
}

// printable shortens and escapes outside text for a detail message.
func printable(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func invalidf(code, msg, detail string, args ...any) error {
	return kerr.New(kerr.Invalid, code, msg, detail, args...)
}

// sort puts the years and days in order.
func (s *Spec) sort() {
	slices.Sort(s.Years)
	slices.SortFunc(s.Days, func(a, b Day) int { return strings.Compare(a.Date.String(), b.Date.String()) })
}

// Merge returns s updated by u: u's week, when it has one, replaces s's;
// the days of each year u lists replace s's days of that year (none left
// when u lists none in it); s's other years stay. The years of the result
// are both's. s and u are not changed.
func (s Spec) Merge(u Spec) Spec {
	out := Spec{Agency: s.Agency, Hours: s.Hours}
	if u.Hours != nil {
		h := *u.Hours
		out.Hours = &h
	}
	replaced := make(map[int]bool, len(u.Years))
	for _, y := range u.Years {
		replaced[y] = true
	}
	out.Years = append(out.Years, u.Years...)
	for _, y := range s.Years {
		if !replaced[y] {
			out.Years = append(out.Years, y)
		}
	}
	for _, d := range s.Days {
		if !replaced[d.Date.Year] {
			out.Days = append(out.Days, d)
		}
	}
	out.Days = append(out.Days, u.Days...)
	out.sort()
	return out
}

// Year returns s with only the days of year y, and Years [y] if s lists
// y, else none.
func (s Spec) Year(y int) Spec {
	out := Spec{Agency: s.Agency, Hours: s.Hours, Days: []Day{}}
	if slices.Contains(s.Years, y) {
		out.Years = []int{y}
	}
	for _, d := range s.Days {
		if d.Date.Year == y {
			out.Days = append(out.Days, d)
		}
	}
	return out
}

// Effective is the calendar that applies to an agency: the agency's week
// if it has one, else the national one (else DefaultWeek); the national
// days, each replaced by the agency's day of the same date; the national
// years (those whose holidays are known).
func Effective(national, agency Spec) Spec {
	out := Spec{Agency: agency.Agency, Hours: national.Hours, Years: slices.Clone(national.Years)}
	if agency.Hours != nil {
		out.Hours = agency.Hours
	}
	if out.Hours == nil {
		w := DefaultWeek()
		out.Hours = &w
	}
	own := make(map[archive.Date]bool, len(agency.Days))
	for _, d := range agency.Days {
		own[d.Date] = true
	}
	for _, d := range national.Days {
		if !own[d.Date] {
			out.Days = append(out.Days, d)
		}
	}
	out.Days = append(out.Days, agency.Days...)
	out.sort()
	return out
}
