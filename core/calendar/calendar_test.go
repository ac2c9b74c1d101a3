package calendar

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// gmt4 is the default calendar's zone, UTC+4, built without the zone
// database so that expectations below are independent of it.
var gmt4 = time.FixedZone("UTC+4", 4*3600)

// local returns a wall-clock time in the default calendar's zone.
func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, gmt4)
}

func mustNew(t testing.TB, c Config) *Calendar {
	t.Helper()
	cal, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return cal
}

func withHolidays(days ...string) Config {
	c := Default()
	c.Holidays = days
	return c
}

// Dates used below (2026): Friday 6 March, Saturday 7, Sunday 8, Monday 9;
// Thursday 24 December, Friday 25 (a holiday where stated), Saturday 26,
// Sunday 27. The default calendar is open 08:00-24:00 Monday to Friday and
// 10:00-18:00 on weekends, UTC+4, so local = UTC + 4h.
func TestAdd(t *testing.T) {
	def := mustNew(t, Default())
	xmas := mustNew(t, withHolidays("2026-12-25"))
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("zone database: %v", err)
	}
	atRisk := 16 * time.Hour * 8 / 10 // 80% of 16h = 12h48m

	tests := []struct {
		name string
		cal  *Calendar
		t    time.Time
		d    time.Duration
		want time.Time
	}{
		{
			// Fri 22:00-24:00 = 2h (14h left); Sat 10:00-18:00 = 8h (6h
			// left); Sun 10:00 + 6h = Sun 16:00 local = Sun 12:00 UTC.
			name: "Friday 22:00 plus 16h lands Sunday 16:00 local",
			cal:  def, t: local(2026, 3, 6, 22, 0), d: 16 * time.Hour,
			want: time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC),
		},
		{
			// The same instant given in UTC (Fri 18:00 UTC = Fri 22:00 local).
			name: "Friday 22:00 local given in UTC",
			cal:  def, t: time.Date(2026, 3, 6, 18, 0, 0, 0, time.UTC), d: 16 * time.Hour,
			want: time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC),
		},
		{
			// And in New York (Fri 13:00 EST = Fri 18:00 UTC).
			name: "Friday 22:00 local given in New York time",
			cal:  def, t: time.Date(2026, 3, 6, 13, 0, 0, 0, ny), d: 16 * time.Hour,
			want: time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC),
		},
		{
			// Fri 23:30-24:00 = 30m (1h30 left); Sat 10:00 + 1h30 = 11:30.
			name: "HotRush 2h from Friday 23:30 lands Saturday 11:30",
			cal:  def, t: local(2026, 3, 6, 23, 30), d: 2 * time.Hour,
			want: local(2026, 3, 7, 11, 30),
		},
		{
			// Sat 12:00-18:00 = 6h (6h48m left); Sun 10:00 + 6h48m = 16:48.
			name: "at risk (80% of 16h) from Saturday 12:00",
			cal:  def, t: local(2026, 3, 7, 12, 0), d: atRisk,
			want: local(2026, 3, 8, 16, 48),
		},
		{
			// Closed until 10:00; Sat 10:00-18:00 = 8h (4h48m left);
			// Sun 10:00 + 4h48m = 14:48.
			name: "at risk (80% of 16h) from Saturday 07:00, before opening",
			cal:  def, t: local(2026, 3, 7, 7, 0), d: atRisk,
			want: local(2026, 3, 8, 14, 48),
		},
		{
			// Thu 20:00-24:00 = 4h (12h left); Fri 25 Dec is a holiday;
			// Sat 10:00-18:00 = 8h (4h left); Sun 10:00 + 4h = 14:00.
			name: "Christmas Day skipped",
			cal:  xmas, t: local(2026, 12, 24, 20, 0), d: 16 * time.Hour,
			want: local(2026, 12, 27, 14, 0),
		},
		{
			// Without the holiday: Thu 4h, then Fri 08:00 + 12h = 20:00.
			name: "same start without the holiday",
			cal:  def, t: local(2026, 12, 24, 20, 0), d: 16 * time.Hour,
			want: local(2026, 12, 25, 20, 0),
		},
		{
			name: "zero while open is the start itself",
			cal:  def, t: local(2026, 3, 6, 15, 7), d: 0,
			want: local(2026, 3, 6, 15, 7),
		},
		{
			name: "zero while closed is the next opening",
			cal:  def, t: local(2026, 3, 7, 3, 0), d: 0,
			want: local(2026, 3, 7, 10, 0),
		},
		{
			name: "zero at closing time is the next opening",
			cal:  def, t: local(2026, 3, 7, 18, 0), d: 0,
			want: local(2026, 3, 8, 10, 0),
		},
		{
			name: "negative counts as zero",
			cal:  def, t: local(2026, 3, 7, 3, 0), d: -time.Hour,
			want: local(2026, 3, 7, 10, 0),
		},
		{
			// Fri 08:00 + 16h = Fri 24:00, the closing time, not Sat 10:00.
			name: "work filling a day is due at closing",
			cal:  def, t: local(2026, 3, 6, 8, 0), d: 16 * time.Hour,
			want: local(2026, 3, 7, 0, 0),
		},
		{
			// Sun 17:00-18:00 = 1h; Mon 08:00 + 1h = 09:00.
			name: "Sunday evening into Monday",
			cal:  def, t: local(2026, 3, 8, 17, 0), d: 2 * time.Hour,
			want: local(2026, 3, 9, 9, 0),
		},
		{
			// 96h a week; Mon 00:00 + 1000h = 10 weeks + 40h: Mon 16h, Tue
			// 16h, Wed 08:00 + 8h = 16:00 on Wednesday 10 weeks later.
			name: "1000 business hours",
			cal:  def, t: local(2026, 3, 9, 0, 0), d: 1000 * time.Hour,
			want: local(2026, 5, 20, 16, 0),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.cal.Add(tc.t, tc.d)
			if !got.Equal(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want.UTC())
			}
			if got.Location() != time.UTC {
				t.Fatalf("got location %v, want UTC", got.Location())
			}
			want := max(tc.d, 0)
			if b := tc.cal.Between(tc.t, got); b != want {
				t.Fatalf("Between(t, Add(t, d)) = %v, want %v", b, want)
			}
		})
	}
}

func TestBetween(t *testing.T) {
	def := mustNew(t, Default())
	xmas := mustNew(t, withHolidays("2026-12-25"))
	tests := []struct {
		name string
		cal  *Calendar
		a, b time.Time
		want time.Duration
	}{
		{
			// Fri 20:00-24:00 4h + Sat 8h + Sun 8h + Mon 08:00-10:00 2h.
			name: "across a weekend",
			cal:  def, a: local(2026, 3, 6, 20, 0), b: local(2026, 3, 9, 10, 0),
			want: 22 * time.Hour,
		},
		{
			name: "across a weekend, ends given in UTC",
			cal:  def, a: time.Date(2026, 3, 6, 16, 0, 0, 0, time.UTC), b: time.Date(2026, 3, 9, 6, 0, 0, 0, time.UTC),
			want: 22 * time.Hour,
		},
		{
			name: "a whole week is 5x16h + 2x8h",
			cal:  def, a: local(2026, 3, 9, 0, 0), b: local(2026, 3, 16, 0, 0),
			want: 96 * time.Hour,
		},
		{
			// Thu 20:00-24:00 4h; Fri holiday; Sat 8h; Sun 10:00-12:00 2h.
			name: "across a holiday",
			cal:  xmas, a: local(2026, 12, 24, 20, 0), b: local(2026, 12, 27, 12, 0),
			want: 14 * time.Hour,
		},
		{
			name: "entirely at night",
			cal:  def, a: local(2026, 3, 7, 0, 0), b: local(2026, 3, 7, 10, 0),
			want: 0,
		},
		{
			name: "empty",
			cal:  def, a: local(2026, 3, 6, 12, 0), b: local(2026, 3, 6, 12, 0),
			want: 0,
		},
		{
			name: "reversed",
			cal:  def, a: local(2026, 3, 9, 12, 0), b: local(2026, 3, 6, 12, 0),
			want: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.Between(tc.a, tc.b); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIsOpen(t *testing.T) {
	def := mustNew(t, Default())
	xmas := mustNew(t, withHolidays("2026-12-25"))
	tests := []struct {
		name string
		cal  *Calendar
		t    time.Time
		want bool
	}{
		{"Friday 23:59:59", def, local(2026, 3, 6, 23, 59).Add(59 * time.Second), true},
		{"Saturday 00:00", def, local(2026, 3, 7, 0, 0), false},
		{"Saturday 09:59", def, local(2026, 3, 7, 9, 59), false},
		{"Saturday 10:00", def, local(2026, 3, 7, 10, 0), true},
		{"Saturday 18:00", def, local(2026, 3, 7, 18, 0), false},
		{"Monday 07:59", def, local(2026, 3, 9, 7, 59), false},
		{"Monday 08:00 given in UTC", def, time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC), true},
		{"Monday 07:00 given in UTC", def, time.Date(2026, 3, 9, 3, 0, 0, 0, time.UTC), false},
		{"Christmas noon, a holiday", xmas, local(2026, 12, 25, 12, 0), false},
		{"Christmas Eve 23:00", xmas, local(2026, 12, 24, 23, 0), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.cal.IsOpen(tc.t); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Berlin changes to summer time on Sunday 29 March 2026 (02:00 CET becomes
// 03:00 CEST) and back on Sunday 25 October 2026 (03:00 CEST becomes 02:00
// CET).
func TestDaylightSaving(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("zone database: %v", err)
	}
	daily := func(spans ...Span) *Calendar {
		h := map[time.Weekday][]Span{}
		for wd := time.Sunday; wd <= time.Saturday; wd++ {
			h[wd] = spans
		}
		return mustNew(t, Config{TimeZone: "Europe/Berlin", Hours: h})
	}
	office := daily(Span{8 * time.Hour, 18 * time.Hour})
	allDay := daily(Span{0, 24 * time.Hour})
	night := daily(Span{1 * time.Hour, 3 * time.Hour})
	day := func(m time.Month, d int) (time.Time, time.Time) {
		return time.Date(2026, m, d, 0, 0, 0, 0, berlin), time.Date(2026, m, d+1, 0, 0, 0, 0, berlin)
	}
	springA, springB := day(3, 29)
	autumnA, autumnB := day(10, 25)

	betweens := []struct {
		name string
		cal  *Calendar
		a, b time.Time
		want time.Duration
	}{
		{"08:00-18:00 on the spring day", office, springA, springB, 10 * time.Hour},
		{"08:00-18:00 on the autumn day", office, autumnA, autumnB, 10 * time.Hour},
		{"00:00-24:00 on the spring day", allDay, springA, springB, 23 * time.Hour},
		{"00:00-24:00 on the autumn day", allDay, autumnA, autumnB, 25 * time.Hour},
		{"01:00-03:00 on the spring day", night, springA, springB, 1 * time.Hour},
		{"01:00-03:00 on the autumn day", night, autumnA, autumnB, 3 * time.Hour},
		{"01:00-03:00 on an ordinary day", night, springB, springB.AddDate(0, 0, 1), 2 * time.Hour},
	}
	for _, tc := range betweens {
		t.Run("Between/"+tc.name, func(t *testing.T) {
			if got := tc.cal.Between(tc.a, tc.b); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}

	adds := []struct {
		name string
		cal  *Calendar
		t    time.Time
		d    time.Duration
		want time.Time
	}{
		{
			// Sat 17:00 CET (16:00 UTC): 1h to 18:00; Sun 08:00 CEST + 1h =
			// 09:00 CEST = 07:00 UTC.
			name: "Saturday 17:00 plus 2h into summer time",
			cal:  office, t: time.Date(2026, 3, 28, 17, 0, 0, 0, berlin), d: 2 * time.Hour,
			want: time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC),
		},
		{
			// Sat 17:00 CEST (15:00 UTC): 1h; Sun 09:00 CET = 08:00 UTC.
			name: "Saturday 17:00 plus 2h into winter time",
			cal:  office, t: time.Date(2026, 10, 24, 17, 0, 0, 0, berlin), d: 2 * time.Hour,
			want: time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC),
		},
		{
			// Midnight CET is 23:00 UTC the day before; 12 real hours later.
			name: "12h from midnight on the spring day",
			cal:  allDay, t: springA, d: 12 * time.Hour,
			want: time.Date(2026, 3, 29, 11, 0, 0, 0, time.UTC),
		},
		{
			// 24h from 00:00 CEST (22:00 UTC on the 24th) is 23:00 CET, an
			// hour before the local day ends.
			name: "24h from midnight on the autumn day",
			cal:  allDay, t: autumnA, d: 24 * time.Hour,
			want: time.Date(2026, 10, 25, 23, 0, 0, 0, berlin),
		},
	}
	for _, tc := range adds {
		t.Run("Add/"+tc.name, func(t *testing.T) {
			if got := tc.cal.Add(tc.t, tc.d); !got.Equal(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want.UTC())
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	h := time.Hour
	hours := func(wd time.Weekday, spans ...Span) map[time.Weekday][]Span {
		return map[time.Weekday][]Span{wd: spans}
	}
	tests := []struct {
		name string
		cfg  Config
		want string // a part of the error
	}{
		{"bad zone", Config{TimeZone: "Mars/Olympus_Mons"}, `time zone "Mars/Olympus_Mons"`},
		{"overlapping spans", Config{Hours: hours(time.Monday, Span{8 * h, 13 * h}, Span{12 * h, 17 * h})}, "Monday: span 12:00-17:00: overlaps 08:00-13:00"},
		{"spans out of order", Config{Hours: hours(time.Monday, Span{13 * h, 17 * h}, Span{8 * h, 12 * h})}, "out of order"},
		{"end before start", Config{Hours: hours(time.Tuesday, Span{18 * h, 8 * h})}, "Tuesday: span 18:00-08:00: end is not after start"},
		{"empty span", Config{Hours: hours(time.Tuesday, Span{8 * h, 8 * h})}, "end is not after start"},
		{"end at 25:00", Config{Hours: hours(time.Friday, Span{8 * h, 25 * h})}, "span 08:00-25:00: end is after 24:00"},
		{"negative start", Config{Hours: hours(time.Friday, Span{-h, 8 * h})}, "start must be within"},
		{"no such weekday", Config{Hours: hours(time.Weekday(7), Span{8 * h, 9 * h})}, "no such weekday 7"},
		{"bad holiday date", Config{Holidays: []string{"2026-02-30"}}, `holiday "2026-02-30"`},
		{"holiday not a date", Config{Holidays: []string{"25/12/2026"}}, `holiday "25/12/2026"`},
		{"no business hours at all", Config{Hours: map[time.Weekday][]Span{time.Monday: nil, time.Sunday: {}}}, "no business hours"},
		{"empty hours map", Config{Hours: map[time.Weekday][]Span{}}, "no business hours"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cal, err := New(tc.cfg)
			if err == nil {
				t.Fatalf("got %v, want an error containing %q", cal, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	// An empty Config is the default calendar.
	zero := mustNew(t, Config{})
	def := mustNew(t, Default())
	from := local(2026, 3, 6, 22, 0)
	if got, want := zero.Add(from, 16*time.Hour), def.Add(from, 16*time.Hour); !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got, want := def.Location().String(), "Etc/GMT-4"; got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, off := from.In(def.Location()).Zone(); off != 4*3600 {
		t.Fatalf("got offset %v, want %v", off, 4*3600)
	}
	// Touching spans behave as one.
	split := Config{Hours: map[time.Weekday][]Span{time.Monday: {{8 * time.Hour, 12 * time.Hour}, {12 * time.Hour, 17 * time.Hour}}}}
	cal := mustNew(t, split)
	mon := local(2026, 3, 9, 11, 0)
	if got, want := cal.Add(mon, time.Hour), local(2026, 3, 9, 12, 0); !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got, want := cal.Add(mon, 2*time.Hour), local(2026, 3, 9, 13, 0); !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Changing the config afterwards does not change the calendar.
	split.Hours[time.Monday][0].Start = 0
	if got, want := cal.IsOpen(local(2026, 3, 9, 7, 0)), false; got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestEtcZone(t *testing.T) {
	tests := []struct {
		name string
		off  int // seconds east of UTC; -1 for none
	}{
		{"Etc/GMT-4", 4 * 3600},
		{"Etc/GMT+5", -5 * 3600},
		{"Etc/GMT-14", 14 * 3600},
		{"Etc/GMT+0", 0},
		{"Etc/GMT", -1},
		{"Etc/GMT-15", -1},
		{"Etc/GMT--4", -1},
		{"Etc/GMT-4x", -1},
		{"Europe/Berlin", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := etcZone(tc.name)
			got := -1
			if loc != nil {
				_, got = time.Date(2026, 1, 1, 0, 0, 0, 0, loc).Zone()
			}
			if got != tc.off {
				t.Fatalf("got %v, want %v", got, tc.off)
			}
		})
	}
}

func TestParseHours(t *testing.T) {
	h, m := time.Hour, time.Minute
	tests := []struct {
		in   string
		want []Span
	}{
		{"08:00-24:00", []Span{{8 * h, 24 * h}}},
		{"09:00-12:00,13:00-17:00", []Span{{9 * h, 12 * h}, {13 * h, 17 * h}}},
		{" 9:30 - 12:15 , 13:00–17:45 ", []Span{{9*h + 30*m, 12*h + 15*m}, {13 * h, 17*h + 45*m}}},
		{"00:00-24:00", []Span{{0, 24 * h}}},
		{"", nil},
		{"closed", nil},
		{" Closed ", nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHours(tc.in)
			if err != nil {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}

	bad := []struct{ in, want string }{
		{"08:00-25:00", "out of range"},
		{"24:30-24:00", "out of range"},
		{"08:60-12:00", "out of range"},
		{"18:00-08:00", "end is not after start"},
		{"08:00-13:00,12:00-17:00", "overlaps"},
		{"13:00-17:00,08:00-12:00", "out of order"},
		{"08:00", "want HH:MM-HH:MM"},
		{"8-17", "want HH:MM"},
		{"08:00-", "want HH:MM"},
		{"08:00-12:00,", "want HH:MM"},
		{"-1:00-12:00", "want HH:MM"},
		{"ab:cd-12:00", "want HH:MM"},
		{"08:00:00-12:00", "want HH:MM"},
	}
	for _, tc := range bad {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHours(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, %v, want an error containing %q", got, err, tc.want)
			}
		})
	}
}

func TestSpanString(t *testing.T) {
	tests := []struct {
		s    Span
		want string
	}{
		{Span{8 * time.Hour, 24 * time.Hour}, "08:00-24:00"},
		{Span{9*time.Hour + 30*time.Minute, 9*time.Hour + 30*time.Minute + 15*time.Second}, "09:30-09:30:15"},
		{Span{-time.Hour, 25 * time.Hour}, "-01:00-25:00"},
	}
	for _, tc := range tests {
		if got := tc.s.String(); got != tc.want {
			t.Fatalf("got %v, want %v", got, tc.want)
		}
	}
}

// propertyCalendars are calendars with awkward features: holidays in runs,
// several spans a day, spans inside daylight-saving gaps and folds, zones
// that change at midnight or by half an hour.
func propertyCalendars(t testing.TB) map[string]*Calendar {
	h, m := time.Hour, time.Minute
	cals := map[string]*Calendar{
		"default": mustNew(t, withHolidays("2026-01-01", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-12-25", "2027-01-01")),
	}
	awkward := map[time.Weekday][]Span{
		time.Monday:   {{0, 30 * m}, {8 * h, 12 * h}, {12*h + 45*m, 17*h + 30*m}},
		time.Tuesday:  {{8 * h, 24 * h}},
		time.Thursday: {{23 * h, 24 * h}},
		time.Friday:   {{0, 1 * h}, {9 * h, 9*h + 1*m}},
		time.Saturday: {{23*h + 59*m, 24 * h}},
		time.Sunday:   {{1*h + 30*m, 2*h + 30*m}, {2*h + 45*m, 3*h + 15*m}, {10 * h, 18 * h}},
	}
	for _, zone := range []string{"Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "America/New_York", "Etc/GMT-4"} {
		cal, err := New(Config{TimeZone: zone, Hours: awkward, Holidays: []string{"2026-03-29", "2026-07-14", "2026-07-15", "2027-03-28"}})
		if err != nil {
			t.Logf("skipping %s: %v", zone, err)
			continue
		}
		cals[zone] = cal
	}
	return cals
}

func TestProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2026))
	from := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	const window = 3 * 365 * 24 * time.Hour
	randomTime := func() time.Time {
		t := from.Add(time.Duration(rng.Int64N(int64(window))))
		if rng.IntN(2) == 0 {
			t = t.Truncate(15 * time.Minute) // often on a boundary
		}
		return t
	}
	randomDuration := func() time.Duration {
		switch rng.IntN(4) {
		case 0:
			return time.Duration(rng.IntN(8)) * 15 * time.Minute
		case 1:
			return time.Duration(rng.Int64N(int64(20 * time.Hour)))
		default:
			return time.Duration(rng.Int64N(int64(600 * time.Hour)))
		}
	}
	for name, cal := range propertyCalendars(t) {
		t.Run(name, func(t *testing.T) {
			for range 1000 {
				start := randomTime()
				d1, d2 := randomDuration(), randomDuration()
				if d1 > d2 {
					d1, d2 = d2, d1
				}
				r1, r2 := cal.Add(start, d1), cal.Add(start, d2)
				if got := cal.Between(start, r1); got != d1 {
					t.Fatalf("Between(%v, Add(%v, %v) = %v): got %v, want %v", start, start, d1, r1, got, d1)
				}
				if r1.Before(start) || r2.Before(r1) {
					t.Fatalf("Add(%v, %v) = %v, Add(%v, %v) = %v: got them out of order, want monotonic", start, d1, r1, start, d2, r2)
				}
				if got, want := cal.Between(start, r1)+cal.Between(r1, r2), cal.Between(start, r2); got != want {
					t.Fatalf("Between split at %v: got %v, want %v", r1, got, want)
				}
				if got := cal.Add(start, 0); !cal.IsOpen(got) || cal.IsOpen(start) != got.Equal(start) {
					t.Fatalf("Add(%v, 0) = %v: got open=%v, want the next open moment", start, got, cal.IsOpen(got))
				}
				if got, want := cal.IsOpen(start), cal.Between(start, start.Add(1)) == 1; got != want {
					t.Fatalf("IsOpen(%v): got %v, want %v", start, got, want)
				}
				// Counting on from an intermediate result ends in the same
				// place (unless nothing is left to count and r1 is a closing
				// time, where Add(r1, 0) is the next opening).
				if got := cal.Add(r1, d2-d1); (d2 > d1 || d1 == 0) && !got.Equal(r2) {
					t.Fatalf("Add(%v, %v): got %v, want %v", r1, d2-d1, got, r2)
				}
			}
		})
	}
}

// TestAgainstWallClock compares Between and IsOpen with a count made the
// slow way: minute by minute, reading each minute's local wall clock.
// Span edges avoid the hour that Berlin skips or repeats, where a wall
// clock reading names no single instant.
func TestAgainstWallClock(t *testing.T) {
	h, m := time.Hour, time.Minute
	hours := map[time.Weekday][]Span{
		time.Monday:    {{8 * h, 12 * h}, {13 * h, 17*h + 30*m}},
		time.Tuesday:   {{8 * h, 24 * h}},
		time.Wednesday: {{0, 24 * h}},
		time.Friday:    {{6*h + 15*m, 6*h + 16*m}, {22 * h, 24 * h}},
		time.Saturday:  {{0, 1 * h}, {10 * h, 18 * h}},
		time.Sunday:    {{1 * h, 3 * h}, {3*h + 30*m, 4 * h}, {20 * h, 24 * h}},
	}
	holidays := []string{"2026-03-25", "2026-10-21", "2026-10-26", "2026-10-27"}
	for _, zone := range []string{"Europe/Berlin", "Etc/GMT-4"} {
		cal, err := New(Config{TimeZone: zone, Hours: hours, Holidays: holidays})
		if err != nil {
			t.Skipf("zone database: %v", err)
		}
		loc := cal.Location()
		holiday := map[string]bool{}
		for _, d := range holidays {
			holiday[d] = true
		}
		oracle := func(u time.Time) bool {
			lt := u.In(loc)
			if holiday[lt.Format(time.DateOnly)] {
				return false
			}
			off := time.Duration(lt.Hour())*h + time.Duration(lt.Minute())*m
			for _, s := range hours[lt.Weekday()] {
				if s.Start <= off && off < s.End {
					return true
				}
			}
			return false
		}
		rng := rand.New(rand.NewPCG(7, uint64(len(zone))))
		for _, start := range []time.Time{
			time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 10, 17, 0, 0, 0, 0, time.UTC),
		} {
			const n = 16 * 24 * 60 // minutes
			prefix := make([]time.Duration, n+1)
			for i := range n {
				u := start.Add(time.Duration(i) * m)
				open := oracle(u)
				if got := cal.IsOpen(u); got != open {
					t.Fatalf("%s: IsOpen(%v): got %v, want %v", zone, u.In(loc), got, open)
				}
				prefix[i+1] = prefix[i]
				if open {
					prefix[i+1] += m
				}
			}
			for range 3000 {
				i, j := rng.IntN(n+1), rng.IntN(n+1)
				if i > j {
					i, j = j, i
				}
				a, b := start.Add(time.Duration(i)*m), start.Add(time.Duration(j)*m)
				if got, want := cal.Between(a, b), prefix[j]-prefix[i]; got != want {
					t.Fatalf("%s: Between(%v, %v): got %v, want %v", zone, a.In(loc), b.In(loc), got, want)
				}
			}
		}
	}
}

func TestLargeDurations(t *testing.T) {
	cal := mustNew(t, withHolidays("2026-12-25"))
	start := local(2026, 3, 6, 22, 0)
	for _, d := range []time.Duration{1000 * time.Hour, 10000 * time.Hour, 200000 * time.Hour} {
		got := cal.Add(start, d)
		if b := cal.Between(start, got); b != d {
			t.Fatalf("Between(t, Add(t, %v)): got %v, want %v", d, b, d)
		}
	}
	// Between saturates rather than overflowing.
	always := map[time.Weekday][]Span{}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		always[wd] = []Span{{0, 24 * time.Hour}}
	}
	open := mustNew(t, Config{TimeZone: "UTC", Hours: always})
	a, b := time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if got, want := open.Between(a, b), time.Duration(1<<63-1); got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func BenchmarkAdd16h(b *testing.B) {
	cal := mustNew(b, withHolidays("2026-12-25", "2027-01-01"))
	rng := rand.New(rand.NewPCG(1, 2))
	starts := make([]time.Time, 1024)
	for i := range starts {
		starts[i] = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cal.Add(starts[i%len(starts)], 16*time.Hour)
	}
}

func BenchmarkAdd10000h(b *testing.B) {
	cal := mustNew(b, withHolidays("2026-12-25", "2027-01-01"))
	start := local(2026, 3, 6, 22, 0)
	for b.Loop() {
		cal.Add(start, 10000*time.Hour)
	}
}
