package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/gateway"
	"helpdesk/internal/demo"
)

// mustPromtool returns promtool's path, or skips the test without it
// (fails it when HELPDESK_REQUIRE_PROMTOOL=1, as in CI).
func mustPromtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("HELPDESK_REQUIRE_PROMTOOL") == "1" {
			t.Fatalf("HELPDESK_REQUIRE_PROMTOOL=1 but: %v", err)
		}
		t.Skipf("no promtool: %v", err)
	}
	return p
}

// scrapeLive starts a gateway, passes two mails through it (one by SMTP,
// one from an IMAP mailbox; their acknowledgments out through a relay)
// and returns its /metrics.
func scrapeLive(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	relay, err := demo.StartCaptureRelay()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	mbox, err := demo.StartMemIMAP("support", "pw")
	if err != nil {
		t.Fatal(err)
	}
	defer mbox.Close()
	if err := mbox.Deliver("From: bob@shop.example\r\nTo: support@support.example.com\r\nSubject: by imap\r\n" +
		"Message-ID: <i1@shop.example>\r\n\r\nhello\r\n"); err != nil {
		t.Fatal(err)
	}
	cfg := gateway.DefaultConfig()
	cfg.Store.Path = filepath.Join(t.TempDir(), "helpdesk.db")
	cfg.SMTP.Listen, cfg.HTTP.Listen, cfg.Mail.Relay = "127.0.0.1:0", "127.0.0.1:0", relay.Addr
	idle := false
	cfg.IMAP = []gateway.IMAPConfig{{Name: "support", Address: mbox.Addr, TLS: "none", Username: "support", Password: "pw",
		PollInterval: gateway.Duration{Duration: 100 * time.Millisecond}, IDLE: &idle}}
	cfg.FillDefaults()
	app, err := gateway.NewApp(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer app.Shutdown(ctx)
	msg := "From: ann@shop.example\r\nTo: support@support.example.com\r\nSubject: hi\r\nMessage-ID: <m1@shop.example>\r\n\r\nhello\r\n"
	c, err := gosmtp.Dial(app.SMTPAddr)
	if err != nil {
		t.Fatal(err)
	}
	err = c.SendMail("ann@shop.example", []string{"support@support.example.com"}, strings.NewReader(msg))
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + app.HTTPAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if strings.Contains(body, `helpdesk_notification_delivery_seconds_count{lane="mail"} 2`) &&
			strings.Contains(body, `helpdesk_intake_seconds_count{channel="imap:support"} 1`) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery recorded:\n%s", body)
		}
	}
}

// The live /metrics has the build, the SMTP replies and both latencies,
// passes promtool's lint, and has every metric the alert rules and the
// dashboard in dist/ ask for.
func TestMetrics_Live(t *testing.T) {
	body := scrapeLive(t)
	for _, want := range []string{
		`helpdesk_build_info{goversion="go`,
		`helpdesk_smtp_replies_total{code="220",reason="greeting"} 1`,
		`helpdesk_smtp_replies_total{code="250",reason="accepted"} 1`,
		`helpdesk_smtp_replies_total{code="550",reason="unknown_recipient"} 0`,
		`helpdesk_intake_seconds_count{channel="smtp"} 1`,
		`helpdesk_intake_seconds_count{channel="imap:support"} 1`,
		`helpdesk_imap_lag_messages{mailbox="support"} 0`,
		`helpdesk_outbox_dead 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	used := map[string]string{}
	rules, err := os.ReadFile("../dist/prometheus/helpdesk.rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	dash, err := os.ReadFile("../dist/grafana/helpdesk.json")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(dash) {
		t.Fatal("dist/grafana/helpdesk.json is not JSON")
	}
	name := regexp.MustCompile(`helpdesk_[a-z_]+`)
	for file, b := range map[string][]byte{"rules": rules, "dashboard": dash} {
		for _, n := range name.FindAllString(string(b), -1) {
			used[strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count")] = file
		}
	}
	for n, file := range used {
		if !strings.Contains(body, "\n"+n+"{") && !strings.Contains(body, "\n"+n+" ") && !strings.Contains(body, "\n"+n+"_bucket{") {
			t.Errorf("the %s use %s, which /metrics does not have", file, n)
		}
	}

	promtool := mustPromtool(t)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// The alert rules load and pass their unit tests.
func TestAlertRules(t *testing.T) {
	promtool := mustPromtool(t)
	for _, args := range [][]string{
		{"check", "rules", "helpdesk.rules.yml"},
		{"test", "rules", "helpdesk.rules.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "../dist/prometheus"
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
}

// Every query of the dashboard is valid PromQL: each becomes a recording
// rule that promtool checks.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile("../dist/grafana/helpdesk.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			expr := strings.ReplaceAll(tg.Expr, "$instance", ".*")
			q, _ := json.Marshal(expr) // a JSON string is a YAML string
			rules.WriteString("      - record: dashboard:q" + strconv.Itoa(n) + "\n        expr: " + string(q) + "\n")
			n++
		}
	}
	if n < 10 {
		t.Fatalf("the dashboard has %d queries", n)
	}
	promtool := mustPromtool(t)
	f := filepath.Join(t.TempDir(), "dashboard.rules.yml")
	if err := os.WriteFile(f, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules (the dashboard's queries): %v\n%s", err, out)
	}
}
