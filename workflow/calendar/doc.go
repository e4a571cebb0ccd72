// Package calendar is the working-time calendar of Vietnamese public
// offices and the deadline arithmetic over it: working hours per weekday,
// public holidays, make-up working days, adding working days or minutes
// to an instant, counting the working time between two instants, and
// where a deadline stands (on time, near, overdue by so many days). It
// knows nothing of dossiers: the workflow calls it with instants and
// limits.
//
// # The calendar
//
// A Spec is the calendar as data (the JSON of calendar files and of the
// API): a working week (periods per weekday, DefaultWeek Monday to Friday
// 08:00-12:00 and 13:00-17:00) and exceptional days, each a Holiday (a
// day off on a day otherwise worked: public holidays, the day off that
// replaces a holiday falling on a weekend, a weekday swapped away) or a
// Workday (a day worked that otherwise is not: the Saturday that makes up
// for a swapped weekday, ngày làm bù). Holidays are stored as explicit
// dates, never computed: Tết and the Hùng Kings' day follow the lunar
// calendar, and each year the government decides the swaps. Shipped
// holds the dates decided for 2025 and 2026; an administrator imports
// each later year when the government has decided it.
//
// The national calendar holds the week and the holidays; an agency's own
// calendar may set its own week and days (Effective). A year whose
// holidays the national calendar does not list is counted with the week
// alone (Calendar.Known says which years are listed).
//
// Time is Vietnam's: UTC+7, with no daylight saving time (Zone). Every day
// has 24 hours.
//
// # Counting
//
// Working time is the time inside working periods; a period's start
// belongs to it and its end does not. The rules, and why:
//
//   - Reception. A dossier received outside working hours (after the
//     day's last period, during the lunch break, on a weekend or holiday)
//     counts as received at the start of the next working period
//     (NextWorking), as the rules on online dossiers have it for those
//     filed after hours (Decree 45/2020/NĐ-CP, replaced by Decree
//     118/2025/NĐ-CP, whose text the seeds do not hold: to be checked
//     against it). A dossier filed
//     at 16:55 on the Friday before Tết 2026 is counted from 08:00 on
//     Monday 23/02/2026.
//   - Limits in minutes or hours (a step's deadline, a resolution time
//     "trong 4 giờ làm việc") run from that moment, minute by minute of
//     working time (Civil Code 2015 art. 147(1): a period in minutes or
//     hours starts at the moment set). The deadline is the earliest
//     instant at which that much working time has passed: 17:00, not
//     08:00 the next morning (AddWorking).
//   - Limits in working days (a procedure's resolution time, "15 ngày làm
//     việc") do not count the day of reception, and end at the close of
//     the last one: the deadline is the end of the last working period of
//     the N-th working day after the day of reception (AddWorkingDays).
//     This is our reading of the Civil Code 2015, art. 147(2) (a period
//     in days starts on the day after the event) and art. 148 (it ends
//     with its last day), for acts done at an office, whose day ends with
//     its working hours. Received Monday 10:00, 3 working days: due Thursday
//     17:00. Counting "the same clock time N days later" was rejected: it
//     gives a different answer on a day with other hours (a make-up
//     Saturday worked in the morning only) and a deadline inside a lunch
//     break, while the appointment slip and the glossary's "Hạn xử lý
//     15/08/2023" name a day.
//   - Overdue. A deadline is overdue as soon as the instant is past,
//     outside working hours too. It is late by the working time since the
//     deadline and by LateDays: the working days after the deadline's day
//     up to today, at least 1 — "Quá hạn 3 ngày" counts working days, the
//     unit of the limit itself; a weekend does not make a dossier later
//     when nobody works on it (Status, DueText).
//   - Near the deadline: at most Near.Within of working time left, or at
//     most Near.Share of the limit (DefaultNear: one working day or a
//     fifth).
//   - After a supplement the limit starts again, in full, from the
//     reception of the completed dossier (Restart): Circular 11/2025's
//     appendix item 15.8, "thời hạn giải quyết được tính lại sau khi nhận
//     đủ hồ sơ". Resume serves rules that pause a limit instead (the time
//     left, counted again from the resumption).
//
// # Bounds
//
// A limit over five years (MaxWorkingDays days, MaxWorkingMinutes
// minutes) is refused; instants must lie in MinYear..MaxYear; no
// computation looks further than 25 years ahead, so every loop is bounded
// whatever the calendar (one with an hour of work a week included). A
// computation costs one step per calendar day it crosses: a few dozen for
// a dossier's deadline.
//
// # Storage
//
// Service keeps the national and agency calendars in a Store (one record
// each, changed by guarded replacement), merges updates (Spec.Merge),
// caches compiled calendars for a short while, and loads Shipped into an
// empty store at start-up.
//
// # The workflow's seam
//
// Deadlines (Service.Deadlines for an agency) is what package workflow
// consumes: AddWorking and DaysLate, its Deadlines interface, and Near for
// the near-deadline warning, none of them returning an error.
package calendar
