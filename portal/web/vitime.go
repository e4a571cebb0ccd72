package web

import "time"

// Vietnam is the time zone pages show times in (UTC+7, no summer time).
var Vietnam = time.FixedZone("ICT", 7*3600)

// Date formats t as DD/MM/YYYY in Vietnam time; "" for the zero time.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Vietnam).Format("02/01/2006")
}

// Clock formats t as hh:mm:ss (24-hour) in Vietnam time; "" for the zero
// time.
func Clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Vietnam).Format("15:04:05")
}

// DateTime formats t as "hh:mm:ss DD/MM/YYYY" in Vietnam time, the order
// of Vietnamese administrative texts; "" for the zero time.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Vietnam).Format("15:04:05 02/01/2006")
}

// MachineTime formats t for a <time datetime> attribute (RFC 3339 with
// Vietnam's offset); "" for the zero time.
func MachineTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Vietnam).Format(time.RFC3339)
}
