package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"helpdesk/gateway"
	"helpdesk/inbound/mail"
)

// TestConfig_ParseLimits reads [limits] mime_depth, mime_parts,
// html_text_bytes and parse_memory from the file and the environment,
// keeps the defaults for keys not set, and refuses values that are
// negative or too small to read honest mail.
func TestConfig_ParseLimits(t *testing.T) {
	file := filepath.Join(t.TempDir(), "helpdesk.toml")
	if err := os.WriteFile(file, []byte("domain = \"support.example.com\"\nsecret = \"s\"\n[limits]\nmime_depth = 8\nhtml_text_bytes = 4096\nparse_memory = 8388608\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := gateway.LoadConfig(file, []string{"HELPDESK_LIMITS_MIME_PARTS=50"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.ParseOptions(), (mail.ParseOptions{MaxMIMEDepth: 8, MaxMIMEParts: 50, MaxHTMLText: 4096}); got != want {
		t.Fatalf("ParseOptions %+v, want %+v", got, want)
	}
	if c.ParseMemory() != 8<<20 {
		t.Fatalf("ParseMemory %d, want 8 MiB", c.ParseMemory())
	}
	if got := gateway.IMAPOptions(gateway.IMAPConfig{IDLE: new(bool)}, c, slog.New(slog.DiscardHandler)).ParseOptions; got != c.ParseOptions() {
		t.Fatalf("the IMAP pollers read with %+v, want %+v", got, c.ParseOptions())
	}
	if d := gateway.DefaultConfig(); d.ParseOptions() != (mail.ParseOptions{}) || d.ParseMemory() != gateway.DefaultParseMemory {
		t.Fatalf("defaults %+v %d, want mail's own and %d", d.ParseOptions(), d.ParseMemory(), gateway.DefaultParseMemory)
	}

	for _, tc := range []struct {
		limits gateway.LimitsConfig
		want   string
	}{
		{gateway.LimitsConfig{MIMEDepth: -1}, "must not be negative"},
		{gateway.LimitsConfig{ParseMemory: -1}, "must not be negative"},
		{gateway.LimitsConfig{ParseMemory: 4096}, "limits.parse_memory 4096 is below"},
		{gateway.LimitsConfig{HTMLTextBytes: 100}, "limits.html_text_bytes 100 is below"},
	} {
		c := gateway.DefaultConfig()
		c.Domain, c.Secret, c.Limits = "support.example.com", "s", tc.limits
		c.FillDefaults()
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("limits %+v: Validate = %v, want %q", tc.limits, err, tc.want)
		}
	}
}

// TestApp_MIMEDepth: serve's SMTP server reads with [limits]: a mail
// nested deeper than mime_depth gets 554 naming the limit, one at the
// limit is stored.
func TestApp_MIMEDepth(t *testing.T) {
	ctx := context.Background()
	cfg := gateway.DefaultConfig()
	cfg.Domain, cfg.Secret = "support.example.com", "s"
	cfg.Store.Path = filepath.Join(t.TempDir(), "helpdesk.db")
	cfg.Mail.Dir = filepath.Join(t.TempDir(), "out")
	cfg.SMTP.Listen, cfg.HTTP.Listen = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Limits.MIMEDepth = 3
	cfg.FillDefaults()
	app, err := gateway.NewApp(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer app.Shutdown(ctx)
	send := func(depth int) error {
		var b strings.Builder
		fmt.Fprintf(&b, "From: ann@shop.example\r\nTo: support@support.example.com\r\nSubject: depth %d\r\nMessage-ID: <d%d@shop.example>\r\n", depth, depth)
		for i := range depth {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\r\n\r\nhello\r\n")
		for i := depth - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "--b%d--\r\n", i)
		}
		c, err := gosmtp.Dial(app.SMTPAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.SendMail("ann@shop.example", []string{"support@support.example.com"}, strings.NewReader(b.String()))
	}
	if err := send(4); err == nil || !strings.Contains(err.Error(), "554") || !strings.Contains(err.Error(), "MIME nesting deeper than 3 levels") {
		t.Fatalf("4 levels: %v, want 554 MIME nesting deeper than 3 levels", err)
	}
	if err := send(3); err != nil {
		t.Fatalf("3 levels: %v", err)
	}
}
