package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kho-vn/kho/internal/kerr"
	"github.com/kho-vn/kho/workflow/calendar"
)

func calendarCommand() *command {
	return &command{
		name:    "calendar",
		usage:   "kho admin calendar COMMAND [flags]",
		summary: "show and change the working-time calendar deadlines are counted with",
		vi:      "Xem và cập nhật lịch làm việc dùng để tính thời hạn",
		sub: []*command{
			{
				name:    "show",
				usage:   "kho admin calendar show [flags]",
				summary: "show the calendar that applies to an agency, or the national one",
				vi:      "Xem lịch làm việc toàn quốc hoặc của một cơ quan",
				help: `Prints the working week and the exceptional days (holidays, days off
swapped, make-up working days) that apply: for --agency, its own week if it
has one, else the national week, and the national days with the agency's
own over them. --json prints the calendar as PUT /api/v1/calendar and
'kho admin calendar set' take it. Works on the store directly.`,
				run: runCalendarShow,
			},
			{
				name:    "set",
				usage:   "kho admin calendar set [flags] FILE",
				summary: "merge a calendar file (JSON, - for standard input) into the stored calendar",
				vi:      "Cập nhật lịch làm việc từ tệp JSON",
				help: `FILE is a calendar as GET /api/v1/calendar gives it (docs/workflow-calendar.md).
It is merged into the stored calendar of its "agency" (or --agency; none:
the national one): "hours", when given, replaces the working week; the
days of each year listed in "years" replace the stored days of that year;
other years stay. Nothing is stored if the file has an error.
--if-rev N applies the change only if the stored calendar is still at
revision N (as 'show' printed it). Running servers see the change within
a minute. Works on the store directly.`,
				run: runCalendarSet,
			},
		},
	}
}

// calendarActor is who a change made through the CLI is recorded as.
func (a *app) calendarActor() string {
	if u := a.getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}

func runCalendarShow(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	agency := fs.String("agency", "", "the agency `CODE` (default: the national calendar)")
	year := fs.Int("year", 0, "only the days of `YEAR`")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return helpOK(err)
	}
	if err := calendar.CheckAgency(*agency); err != nil {
		return &usageError{err}
	}
	if *year != 0 && (*year < calendar.MinYear || *year > calendar.MaxYear) {
		return &usageError{kerr.New(kerr.Invalid, "calendar_year_out_of_range",
			fmt.Sprintf("Năm của lịch phải từ %d đến %d.", calendar.MinYear, calendar.MaxYear), "--year %d", *year)}
	}
	return a.withStore(ctx, cfg, mustExist, func(ctx context.Context, st *stores) error {
		spec, rev, err := calendar.NewService(st.meta).Effective(ctx, *agency)
		if err != nil {
			return err
		}
		if *year != 0 {
			spec = spec.Year(*year)
		}
		if *asJSON {
			return printJSON(a.stdout, spec)
		}
		return printCalendar(a.stdout, spec, rev)
	})
}

// weekdaysVI are the weekdays in Vietnamese, Monday first.
var weekdaysVI = []struct {
	day  time.Weekday
	name string
}{
	{time.Monday, "Thứ Hai"}, {time.Tuesday, "Thứ Ba"}, {time.Wednesday, "Thứ Tư"}, {time.Thursday, "Thứ Năm"},
	{time.Friday, "Thứ Sáu"}, {time.Saturday, "Thứ Bảy"}, {time.Sunday, "Chủ nhật"},
}

// printCalendar writes spec for people: whose it is, the week, the years
// whose holidays are known and the exceptional days.
func printCalendar(w io.Writer, spec calendar.Spec, rev int64) error {
	whose, version := "toàn quốc", "chưa thay đổi, lịch kèm theo Kho"
	if spec.Agency != "" {
		whose, version = "cơ quan "+spec.Agency, "chưa có lịch riêng, theo lịch toàn quốc"
	}
	if rev > 0 {
		version = "phiên bản " + strconv.FormatInt(rev, 10)
	}
	fmt.Fprintf(w, "Lịch làm việc %s (%s)\n\nGiờ làm việc:\n", whose, version)
	week := calendar.DefaultWeek()
	if spec.Hours != nil {
		week = *spec.Hours
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, d := range weekdaysVI {
		fmt.Fprintf(tw, "  %s\t%s\n", d.name, periodsText(week.On(d.day)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	years := make([]string, len(spec.Years))
	for i, y := range spec.Years {
		years[i] = strconv.Itoa(y)
	}
	if len(years) == 0 {
		years = []string{"chưa có"}
	}
	fmt.Fprintf(w, "\nNăm đã có ngày nghỉ lễ: %s\n\n", strings.Join(years, ", "))
	if len(spec.Days) == 0 {
		_, err := fmt.Fprintln(w, "Không có ngày nghỉ hay ngày làm bù nào.")
		return err
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NGÀY\tLOẠI\tGIỜ\tTÊN")
	for _, d := range spec.Days {
		kind, hours := "nghỉ", ""
		if d.Kind == calendar.Workday {
			kind, hours = "làm việc", periodsText(d.Hours)
			if len(d.Hours) == 0 {
				hours = "như ngày thường"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.Date.Vietnamese(), kind, hours, term(oneLine(d.Name)))
	}
	return tw.Flush()
}

// periodsText is "08:00-12:00, 13:00-17:00", or "nghỉ" for none.
func periodsText(ps []calendar.Period) string {
	if len(ps) == 0 {
		return "nghỉ"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func runCalendarSet(ctx context.Context, a *app, cmd *command, args []string) error {
	fs := a.flags(cmd)
	cfg := bindStore(fs, a, true)
	agency := fs.String("agency", "", "the agency `CODE` the file is for, when the file names none")
	ifRev := fs.Int64("if-rev", 0, "apply only if the stored calendar is at revision `N` (0: whatever it is)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return helpOK(err)
	}
	if *ifRev < 0 {
		return &usageError{kerr.New(kerr.Invalid, "invalid_arguments", "Tham số dòng lệnh không hợp lệ.", "--if-rev must not be negative")}
	}
	spec, err := a.readCalendarFile(pos[0])
	if err != nil {
		return err
	}
	switch {
	case *agency == "":
	case spec.Agency == "":
		if err := calendar.CheckAgency(*agency); err != nil {
			return &usageError{err}
		}
		spec.Agency = *agency
	case spec.Agency != *agency:
		return &usageError{kerr.New(kerr.Invalid, "agency_mismatch", "Mã cơ quan trong tệp khác với --agency.",
			"the file is for %q, --agency says %q", spec.Agency, *agency)}
	}
	return a.withStore(ctx, cfg, mayCreate, func(ctx context.Context, st *stores) error {
		_, rev, err := calendar.NewService(st.meta).Apply(ctx, spec, a.calendarActor(), *ifRev)
		if err != nil {
			return err
		}
		whose := "toàn quốc"
		if spec.Agency != "" {
			whose = "của cơ quan " + spec.Agency
		}
		fmt.Fprintf(a.stderr, "Đã cập nhật lịch làm việc %s: phiên bản %d.\n", whose, rev)
		return nil
	})
}

// readCalendarFile reads and checks a calendar file ("-": standard input).
func (a *app) readCalendarFile(path string) (calendar.Spec, error) {
	if path == "-" {
		return calendar.ParseSpec(a.stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return calendar.Spec{}, kerr.Wrap(err, kerr.Invalid, "file_unreadable", "Không đọc được tệp "+term(filepath.Base(path))+".")
	}
	defer f.Close()
	return calendar.ParseSpec(f)
}
