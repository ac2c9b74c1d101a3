package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCreditsAdjustCommand: credits adjust EMAIL ±N --reason TEXT, a
// signed amount among the flags; credits show --json lists the entries
// with kind, reason and who; verify stays clean (docs/rules.md §5).
func TestCreditsAdjustCommand(t *testing.T) {
	path, _ := mustOutboxDB(t)
	run := func(args ...string) (string, error) { return runCLI(t, append(args, "--db", path)...) }
	for _, c := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"credits", "adjust", "ann@shop.example", "+20", "--reason", "goodwill for the outage", "--by", "jo"}, "+20 credits by hand (goodwill for the outage), balance 20", 0},
		{[]string{"credits", "adjust", "--reason", "refund of a double charge", "ann@shop.example", "5"}, "balance 25", 0},
		{[]string{"credits", "adjust", "ann@shop.example", "-8", "--reason", "granted by mistake"}, "-8 credits by hand", 0},
		{[]string{"credits", "adjust", "ann@shop.example", "-18", "--reason", "too much"}, "has 17 credits; taking 18 would make its balance negative", 1},
		{[]string{"credits", "adjust", "ann@shop.example", "-1"}, "need a reason", 1},
		{[]string{"credits", "adjust", "ann@shop.example", "ten", "--reason", "x"}, "not a signed whole number", 2},
		{[]string{"credits", "adjust", "ann@shop.example", "--reason", "x"}, "usage", 2},
	} {
		out, err := run(c.args...)
		code := 0
		if err != nil {
			code = exitCode(err)
		}
		if code != c.code || !strings.Contains(out+errText(err), c.want) {
			t.Errorf("%v: %v (exit %d) %s, want %q exit %d", c.args, err, code, out, c.want, c.code)
		}
	}
	out, err := run("credits", "show", "ann@shop.example", "--json")
	var st struct {
		Credits int
		Entries []struct{ Kind, Reason, By string }
	}
	if err != nil || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("show --json: %v %s", err, out)
	}
	if len(st.Entries) != 3 || st.Entries[0].Kind != "manual" || st.Entries[0].By != "jo" || st.Entries[2].Reason != "granted by mistake" {
		t.Fatalf("entries %+v", st.Entries)
	}
	if out, err := run("credits", "verify"); err != nil {
		t.Fatalf("verify: %v %s", err, out)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
