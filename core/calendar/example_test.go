package calendar_test

import (
	"fmt"
	"time"

	"helpdesk/core/calendar"
)

// The service levels of docs/rules.md §4 on the default calendar: UTC+4, open
// 08:00-24:00 on weekdays and 10:00-18:00 at weekends.
func Example() {
	cfg := calendar.Default()
	cfg.Holidays = []string{"2026-12-25"}
	cal, err := calendar.New(cfg)
	if err != nil {
		panic(err)
	}
	zone := cal.Location()

	// A normal ticket arrives on Friday at 22:00 local time. Its 16
	// business hours are 2h on Friday night, 8h on Saturday and 6h on
	// Sunday; it is at risk after 80% of them.
	arrived := time.Date(2026, 3, 6, 22, 0, 0, 0, zone)
	due := cal.Add(arrived, 16*time.Hour)
	atRisk := cal.Add(arrived, 16*time.Hour*8/10)
	fmt.Println("due:    ", due.In(zone).Format("Mon 2 Jan 15:04"))
	fmt.Println("at risk:", atRisk.In(zone).Format("Mon 2 Jan 15:04"))

	// Add answers in UTC; inputs may be in any zone.
	fmt.Println("due UTC:", due)

	// A HotRush ticket at 23:30 on Christmas Eve: Christmas Day is a holiday.
	hot := cal.Add(time.Date(2026, 12, 24, 23, 30, 0, 0, zone), 2*time.Hour)
	fmt.Println("hot due:", hot.In(zone).Format("Mon 2 Jan 15:04"))

	// Business time elapsed over a weekend.
	fmt.Println("elapsed:", cal.Between(arrived, time.Date(2026, 3, 9, 10, 0, 0, 0, zone)))
	fmt.Println("open on Saturday 09:00?", cal.IsOpen(time.Date(2026, 3, 7, 9, 0, 0, 0, zone)))

	// Output:
	// due:     Sun 8 Mar 16:00
	// at risk: Sun 8 Mar 12:48
	// due UTC: 2026-03-08 12:00:00 +0000 UTC
	// hot due: Sat 26 Dec 11:30
	// elapsed: 20h0m0s
	// open on Saturday 09:00? false
}

// Opening hours from a configuration file, one string per weekday.
func ExampleParseHours() {
	file := map[time.Weekday]string{
		time.Monday:   "09:00-12:00, 13:00-17:00",
		time.Tuesday:  "09:00-17:00",
		time.Saturday: "closed",
	}
	cfg := calendar.Config{TimeZone: "Europe/Berlin", Hours: map[time.Weekday][]calendar.Span{}}
	for day, s := range file {
		spans, err := calendar.ParseHours(s)
		if err != nil {
			panic(err)
		}
		cfg.Hours[day] = spans
	}
	cal, err := calendar.New(cfg)
	if err != nil {
		panic(err)
	}
	monday := time.Date(2026, 3, 9, 11, 0, 0, 0, cal.Location())
	fmt.Println(cal.Add(monday, 2*time.Hour).In(cal.Location()).Format("Mon 15:04"))

	_, err = calendar.ParseHours("08:00-25:00")
	fmt.Println(err)
	// Output:
	// Mon 14:00
	// calendar: hours "08:00-25:00": time "25:00": out of range 00:00-24:00
}
