package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"helpdesk/internal/demo"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// mustChromium returns the browser, or skips the test without one
// (fails it when HELPDESK_REQUIRE_BROWSER=1, as in CI).
func mustChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("HELPDESK_REQUIRE_BROWSER") == "1" {
			t.Fatalf("HELPDESK_REQUIRE_BROWSER=1 but %s: %v", chromiumPath, err)
		}
		t.Skipf("no browser: %v", err)
	}
	return chromiumPath
}

// artifactDir is where tests leave files for people to look at:
// $HELPDESK_ARTIFACTS, else the test's temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("HELPDESK_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestServe_StatusPageBrowser runs `serve` as a real process and looks at
// its status page in headless Chromium: signs in with the admin token,
// sees the channels, then stops the relay, sends a mail whose subject
// carries a script and Slack mentions, and sees the relay failing and the
// subject shown as inert text. The screenshot (a phone-sized window) is
// left in the artifacts directory.
func TestServe_StatusPageBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve and a browser")
	}
	browser := mustChromium(t)
	relay, err := demo.StartCaptureRelay()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	dir := t.TempDir()
	httpAddr, smtpAddr := freeAddr(t), freeAddr(t)
	cfgPath := filepath.Join(dir, "helpdesk.toml")
	cfg := fmt.Sprintf(`domain = "support.example.com"
secret = %q
[store]
path = %q
[smtp]
listen = %q
[http]
listen = %q
token = %q
[mail]
relay = %q
from = "Support <support@support.example.com>"
[outbox]
poll_interval = "100ms"
`, secretReply, filepath.Join(dir, "helpdesk.db"), smtpAddr, httpAddr, secretHTTP, relay.Addr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, cfgPath)
	base := "http://" + httpAddr

	ctx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(400, 900), chromedp.Flag("disable-quic", true))...)
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx)
	defer cancel()
	// The first run starts the browser, which lives as long as the
	// context of that run: no timeout on it. Later steps get one each.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	step := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		t.Cleanup(cancel)
		return c
	}

	// Signed out, the page sends the browser to the form.
	if err := chromedp.Do(step(), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#token"))); err != nil {
		t.Fatalf("open the page: %v\n%s", err, srv.logText())
	}
	if url, err := chromedp.Run(step(), chromedp.Location()); err != nil || !strings.HasSuffix(url, "/login") {
		t.Fatalf("signed out, the page is at %s (%v)", url, err)
	}
	// A mail while the relay is up: its acknowledgment goes out.
	if err := sendMail(smtpAddr, "ann@shop.example", "Subject: printer on fire\r\nMessage-ID: <b1@shop.example>"); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(step(),
		chromedp.SendKeys(chromedp.CSS("#token"), secretHTTP),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("form.logout"))); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("sign in: %v\nat %s: %s\n%s", err, loc, body, srv.logText())
	}
	text, err := chromedp.Run(step(), chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"relay", "smtp", "listening", "printer on fire", "Outbox", "Quarantine"} {
		if !strings.Contains(text, want) {
			t.Errorf("signed in, the page lacks %q:\n%s", want, text)
		}
	}

	// The relay goes away; the next notice fails and the page says so.
	relay.Close()
	const hostile = `<script>document.title="pwned"</script> <@U123> <!channel>`
	if err := sendMail(smtpAddr, "bob@shop.example", "Subject: "+hostile+"\r\nMessage-ID: <b2@shop.example>"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for failing := false; !failing; {
		if time.Now().After(deadline) {
			t.Fatalf("the relay is not shown failing:\n%s\n%s", text, srv.logText())
		}
		time.Sleep(300 * time.Millisecond)
		if err := chromedp.Do(step(), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		if text, err = chromedp.Run(step(), chromedp.Text(chromedp.CSS("main"))); err != nil {
			t.Fatal(err)
		}
		if failing, err = chromedp.Run(step(), chromedp.Evaluate[bool](`document.querySelectorAll("tr.chan-failing").length > 0`)); err != nil {
			t.Fatal(err)
		}
	}
	scripts, err := chromedp.Run(step(), chromedp.Evaluate[int](`document.querySelectorAll("script").length`))
	if err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(step(), chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if scripts != 0 || strings.Contains(title, "pwned") {
		t.Errorf("the subject ran: %d script elements, title %q", scripts, title)
	}
	if !strings.Contains(text, hostile) {
		t.Errorf("the subject is not shown as text:\n%s", text)
	}
	if !strings.Contains(text, "failing") {
		t.Errorf("no channel shown failing:\n%s", text)
	}

	png, err := chromedp.Run(step(), chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifactDir(t), "status-page.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	// Signing out ends the session.
	if err := chromedp.Do(step(), chromedp.Click(chromedp.CSS("form.logout button")),
		chromedp.WaitVisible(chromedp.CSS("#token"))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
}
