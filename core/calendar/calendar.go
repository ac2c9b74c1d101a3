// Package calendar measures business time: the hours during which service
// level targets run (docs/rules.md §4).
//
// A Calendar has a time zone, opening hours for each weekday and a list of
// holidays. Opening hours are wall-clock times in the calendar's zone, so a
// span 08:00–18:00 opens at 08:00 local time every day, whatever the UTC
// offset is that day; on a day with a daylight-saving change a span that
// crosses the change is as long as it really is (00:00–24:00 lasts 23 or
// 25 hours). A holiday is a whole local day with no business time.
//
// Every method accepts instants in any location and converts them to the
// calendar's zone first; Add returns UTC. The package is pure: no clock,
// no I/O, and a Calendar is safe for concurrent use.
package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is one period of opening hours, as offsets from local midnight:
// [Start, End). End may be 24h, meaning the following midnight.
type Span struct{ Start, End time.Duration }

// String formats s as "HH:MM-HH:MM" (seconds are shown when present).
func (s Span) String() string { return clock(s.Start) + "-" + clock(s.End) }

func clock(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	h, m, sec := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	if d%time.Minute != 0 {
		return fmt.Sprintf("%s%02d:%02d:%02d", neg, h, m, sec)
	}
	return fmt.Sprintf("%s%02d:%02d", neg, h, m)
}

// Config describes a calendar; New checks it.
type Config struct {
	// TimeZone is an IANA zone name. Empty means Default().TimeZone.
	// Mind the inverted sign of the Etc zones: "Etc/GMT-4" is UTC+4.
	TimeZone string
	// Hours holds the opening hours of each weekday, in order. A weekday
	// that is absent or has no spans is closed. A nil map means
	// Default().Hours; an empty non-nil map is rejected (no business time).
	Hours map[time.Weekday][]Span
	// Holidays are whole local days off, as "2006-01-02".
	Holidays []string
}

// DefaultTimeZone is the service-level zone of docs/rules.md §4: UTC+4.
const DefaultTimeZone = "Etc/GMT-4"

// Default returns the calendar of docs/rules.md §4: UTC+4, open 08:00–24:00
// Monday to Friday and 10:00–18:00 Saturday and Sunday, no holidays.
func Default() Config {
	week := []Span{{8 * time.Hour, 24 * time.Hour}}
	weekend := []Span{{10 * time.Hour, 18 * time.Hour}}
	return Config{
		TimeZone: DefaultTimeZone,
		Hours: map[time.Weekday][]Span{
			time.Monday:    week,
			time.Tuesday:   week,
			time.Wednesday: week,
			time.Thursday:  week,
			time.Friday:    week,
			time.Saturday:  weekend,
			time.Sunday:    weekend,
		},
	}
}

// Calendar answers business-time questions. Build one with New.
type Calendar struct {
	loc      *time.Location
	hours    [7][]Span // merged: ordered, disjoint, not touching
	holidays map[civil]bool
}

type civil struct {
	y int
	m time.Month
	d int
}

func (c civil) before(o civil) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

// add returns the day n days after c, and its weekday.
func (c civil) add(n int) (civil, time.Weekday) {
	t := time.Date(c.y, c.m, c.d+n, 0, 0, 0, 0, time.UTC)
	y, m, d := t.Date()
	return civil{y, m, d}, t.Weekday()
}

// New checks c and builds its Calendar. Spans of a day must lie within
// 00:00–24:00, each end after its start, in order and not overlapping
// (touching is allowed); holidays must be valid dates; and the week must
// have some business time.
func New(c Config) (*Calendar, error) {
	if c.TimeZone == "" {
		c.TimeZone = DefaultTimeZone
	}
	if c.Hours == nil {
		c.Hours = Default().Hours
	}
	loc, err := loadLocation(c.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("calendar: time zone %q: %w", c.TimeZone, err)
	}
	cal := &Calendar{loc: loc, holidays: make(map[civil]bool, len(c.Holidays))}
	open := false
	for wd, spans := range c.Hours {
		if wd < time.Sunday || wd > time.Saturday {
			return nil, fmt.Errorf("calendar: hours: no such weekday %d", int(wd))
		}
		if err := checkSpans(spans); err != nil {
			return nil, fmt.Errorf("calendar: hours for %s: %w", wd, err)
		}
		cal.hours[wd] = merge(spans)
		open = open || len(spans) > 0
	}
	if !open {
		return nil, errors.New("calendar: hours: no business hours on any day of the week")
	}
	for _, h := range c.Holidays {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(h))
		if err != nil {
			return nil, fmt.Errorf("calendar: holiday %q: want a date like 2026-12-25", h)
		}
		y, m, d := t.Date()
		cal.holidays[civil{y, m, d}] = true
	}
	return cal, nil
}

// MustNew is New for configurations known to be valid; it panics on error.
func MustNew(c Config) *Calendar {
	cal, err := New(c)
	if err != nil {
		panic(err)
	}
	return cal
}

func checkSpans(spans []Span) error {
	for i, s := range spans {
		switch {
		case s.Start < 0 || s.Start >= 24*time.Hour:
			return fmt.Errorf("span %s: start must be within 00:00-24:00", s)
		case s.End > 24*time.Hour:
			return fmt.Errorf("span %s: end is after 24:00", s)
		case s.End <= s.Start:
			return fmt.Errorf("span %s: end is not after start", s)
		case i > 0 && s.Start < spans[i-1].Start:
			return fmt.Errorf("span %s: out of order, comes before %s", s, spans[i-1])
		case i > 0 && s.Start < spans[i-1].End:
			return fmt.Errorf("span %s: overlaps %s", s, spans[i-1])
		}
	}
	return nil
}

// merge joins touching spans of a checked day, so that 08:00-12:00 and
// 12:00-17:00 behave exactly like 08:00-17:00.
func merge(spans []Span) []Span {
	var out []Span
	for _, s := range spans {
		if n := len(out); n > 0 && out[n-1].End == s.Start {
			out[n-1].End = s.End
			continue
		}
		out = append(out, s)
	}
	return out
}

// loadLocation is time.LoadLocation, with a fallback for the fixed-offset
// Etc/GMT±N zones when the system has no zone database.
func loadLocation(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil {
		if fixed := etcZone(name); fixed != nil {
			return fixed, nil
		}
	}
	return loc, err
}

// etcZone returns the fixed zone "Etc/GMT+N" or "Etc/GMT-N" names, or nil.
// The sign is POSIX style: Etc/GMT-4 is four hours east of Greenwich.
func etcZone(name string) *time.Location {
	rest, ok := strings.CutPrefix(name, "Etc/GMT")
	if !ok || len(rest) < 2 || len(rest) > 3 || rest[0] != '+' && rest[0] != '-' {
		return nil
	}
	n, err := strconv.Atoi(rest[1:])
	if err != nil || rest[1] < '0' || rest[1] > '9' || n > 14 {
		return nil
	}
	off := n * 3600
	if rest[0] == '+' {
		off = -off
	}
	return time.FixedZone(name, off)
}

// ParseHours parses one day's opening hours as written in configuration
// files: comma-separated "HH:MM-HH:MM" spans, such as "08:00-24:00" or
// "09:00-12:00, 13:00-17:00". An empty string or "closed" means no hours.
// The spans are checked as New checks them.
func ParseHours(s string) ([]Span, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "closed") {
		return nil, nil
	}
	var spans []Span
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			from, to, ok = strings.Cut(part, "–") // en dash
		}
		if !ok {
			return nil, fmt.Errorf("calendar: hours %q: want HH:MM-HH:MM", part)
		}
		start, err := parseClock(strings.TrimSpace(from))
		if err != nil {
			return nil, fmt.Errorf("calendar: hours %q: %w", part, err)
		}
		end, err := parseClock(strings.TrimSpace(to))
		if err != nil {
			return nil, fmt.Errorf("calendar: hours %q: %w", part, err)
		}
		spans = append(spans, Span{start, end})
	}
	if err := checkSpans(spans); err != nil {
		return nil, fmt.Errorf("calendar: hours %q: %w", s, err)
	}
	return spans, nil
}

// parseClock parses "HH:MM" from 00:00 to 24:00.
func parseClock(s string) (time.Duration, error) {
	hs, ms, ok := strings.Cut(s, ":")
	if !ok || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || hs[0] == '+' || hs[0] == '-' || ms[0] == '+' || ms[0] == '-' {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	if h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, fmt.Errorf("time %q: out of range 00:00-24:00", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// interval is a stretch of business time between two instants: [start, end).
type interval struct{ start, end time.Time }

// day appends the business intervals of local day d (weekday wd) to buf.
// They are ordered, disjoint, non-empty and lie within the day, so the
// intervals of successive days never overlap either. Wall-clock times that
// do not exist or occur twice on a daylight-saving day resolve as
// time.Date resolves them.
func (c *Calendar) day(buf []interval, d civil, wd time.Weekday) []interval {
	spans := c.hours[wd]
	if len(spans) == 0 || c.holidays[d] {
		return buf
	}
	dayStart := time.Date(d.y, d.m, d.d, 0, 0, 0, 0, c.loc)
	dayEnd := time.Date(d.y, d.m, d.d+1, 0, 0, 0, 0, c.loc)
	prev := dayStart
	for _, s := range spans {
		start := c.wall(d, s.Start, dayEnd)
		end := c.wall(d, s.End, dayEnd)
		if start.Before(prev) {
			start = prev
		}
		if end.After(dayEnd) {
			end = dayEnd
		}
		if end.After(start) {
			buf = append(buf, interval{start, end})
			prev = end
		}
	}
	return buf
}

// wall returns the instant of local wall-clock time off on day d.
func (c *Calendar) wall(d civil, off time.Duration, dayEnd time.Time) time.Time {
	if off >= 24*time.Hour {
		return dayEnd
	}
	h, m, s, ns := off/time.Hour, off%time.Hour/time.Minute, off%time.Minute/time.Second, off%time.Second
	return time.Date(d.y, d.m, d.d, int(h), int(m), int(s), int(ns), c.loc)
}

// dayBefore returns the local day before t's, and its weekday; scans start
// there so that no interval that could contain t is missed.
func (c *Calendar) dayBefore(t time.Time) (civil, time.Weekday) {
	y, m, d := t.In(c.loc).Date()
	return civil{y, m, d}.add(-1)
}

// Add returns the instant, in UTC, at which d of business time has passed
// since t. Counting starts at t if the calendar is open then, otherwise at
// the next opening; so Add(t, 0) is t when open and the next opening when
// closed. For d > 0 the result may be a closing time (work that fills a
// day exactly is due when the day closes). A negative d counts as 0.
//
// For every t and d, Between(t, Add(t, d)) == d, and Add is monotonic in d.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if d < 0 {
		d = 0
	}
	var buf [8]interval
	day, wd := c.dayBefore(t)
	for {
		for _, iv := range c.day(buf[:0], day, wd) {
			if !iv.end.After(t) {
				continue
			}
			start := iv.start
			if start.Before(t) {
				start = t
			}
			if d == 0 {
				return start.UTC()
			}
			avail := iv.end.Sub(start)
			if d <= avail {
				return start.Add(d).UTC()
			}
			d -= avail
		}
		day, wd = day.add(1)
	}
}

const maxDuration = time.Duration(1<<63 - 1)

// Between returns the business time in [a, b), or 0 if b is not after a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	var buf [8]interval
	var sum time.Duration
	y, m, d := b.In(c.loc).Date()
	last, _ := civil{y, m, d}.add(1)
	for day, wd := c.dayBefore(a); !last.before(day); day, wd = day.add(1) {
		for _, iv := range c.day(buf[:0], day, wd) {
			start, end := iv.start, iv.end
			if start.Before(a) {
				start = a
			}
			if end.After(b) {
				end = b
			}
			if end.After(start) {
				n := end.Sub(start)
				if sum > maxDuration-n {
					return maxDuration // over 292 years of business time
				}
				sum += n
			}
		}
	}
	return sum
}

// IsOpen reports whether t falls within business hours.
func (c *Calendar) IsOpen(t time.Time) bool {
	var buf [8]interval
	day, wd := c.dayBefore(t)
	for range 3 {
		for _, iv := range c.day(buf[:0], day, wd) {
			if !t.Before(iv.start) && t.Before(iv.end) {
				return true
			}
		}
		day, wd = day.add(1)
	}
	return false
}
