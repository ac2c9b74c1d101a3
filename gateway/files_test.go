package gateway_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helpdesk/core"
	"helpdesk/core/token"
	"helpdesk/gateway"
	mailin "helpdesk/inbound/mail"
	"helpdesk/internal/demo"
)

// multipartMail is a customer's mail with files, each name → content.
func multipartMail(id, subject string, names []string, files map[string][]byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Ann <ann@shop.example>\r\nTo: support@support.example.com\r\nSubject: %s\r\n"+
		"Message-ID: <%s>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n"+
		"--XX\r\nContent-Type: text/plain\r\n\r\nThe files are attached.\r\n", subject, id)
	for _, name := range names {
		fmt.Fprintf(&b, "--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=%q\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n", name)
		enc := base64.StdEncoding.EncodeToString(files[name])
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--XX--\r\n")
	return b.String()
}

// TestCustomerFilesReachTheThread: a customer's PDF is uploaded into the
// ticket's thread (upload v2, the card's thread_ts), once even when its
// row runs again; a file over [slack] upload_max_bytes and an executable
// are named in the thread with the reason instead.
func TestCustomerFilesReachTheThread(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env, err := demo.StartWith(ctx, dir, slog.New(slog.NewTextHandler(testWriter{t}, nil)), func(c *gateway.Config) {
		c.Slack.UploadMaxBytes = 100_000
	})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close(ctx)
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("report "), 2000)...)
	files := map[string][]byte{"report.pdf": pdf, "dump.bin": bytes.Repeat([]byte{7}, 300_000), "setup.exe": []byte("MZ\x90\x00program")}
	names := []string{"report.pdf", "dump.bin", "setup.exe"}
	if err := env.Send("ann@shop.example", []string{"support@support.example.com"},
		multipartMail("files-1@shop.example", "Invoice attached", names, files)); err != nil {
		t.Fatal(err)
	}
	notes := func() []string {
		var out []string
		for _, p := range env.Slack.Posts() {
			if p.ThreadTS != "" && strings.Contains(p.Text, "is not uploaded here") {
				out = append(out, p.Text)
			}
		}
		return out
	}
	if !demo.WaitFor(func() bool { return len(env.Slack.Uploads()) == 1 && len(notes()) == 2 }) {
		t.Fatalf("uploads %d, notes %q", len(env.Slack.Uploads()), notes())
	}
	card := env.Slack.Posts()[0]
	up := env.Slack.Uploads()[0]
	if up.Name != "report.pdf" || !bytes.Equal(up.Data, pdf) || up.Channel != card.Channel || up.Thread != card.TS {
		t.Fatalf("upload %q (%d bytes) in %s/%s; want report.pdf whole in the card's thread %s/%s",
			up.Name, len(up.Data), up.Channel, up.Thread, card.Channel, card.TS)
	}
	got := strings.Join(notes(), "\n")
	for _, want := range []string{"dump.bin (293 KB)", "over the upload limit of 98 KB", "setup.exe", "executable"} {
		if !strings.Contains(got, want) {
			t.Errorf("thread notes lack %q:\n%s", want, got)
		}
	}

	// The upload's row, sent again (as after a crash before it was
	// marked), uploads nothing more.
	db, err := sql.Open("sqlite3", filepath.Join(dir, "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `UPDATE outbox SET state = 'pending' WHERE kind = 'slack_file'`); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(env.Slack.Uploads()); n != 1 {
		t.Errorf("%d uploads after the rows ran again; want 1", n)
	}
}

// fileShare is an agent's message in the card's thread with one file
// shared, as Slack's Events API sends it.
func fileShare(eventID, channel, threadTS, ts, text string, files ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T0DEMO", "api_app_id": "A0DEMO", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "message", "subtype": "file_share", "user": "U0AGENT", "text": text,
			"ts": ts, "thread_ts": threadTS, "channel": channel, "channel_type": "channel", "event_ts": ts, "files": files},
	})
	return string(b)
}

func slackFile(id, name, mimetype string, size int, url string) map[string]any {
	return map[string]any{"id": id, "name": name, "title": name, "mimetype": mimetype, "size": size, "url_private_download": url}
}

// startWithTicket starts the gateway, opens a ticket from Ann, and
// returns its card.
func startWithTicket(t *testing.T, configure func(*gateway.Config)) (*demo.Env, demo.SlackPost) {
	t.Helper()
	ctx := context.Background()
	env, err := demo.StartWith(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)), configure)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close(ctx) })
	first := "From: Ann <ann@shop.example>\r\nTo: support@support.example.com\r\nSubject: Logo is broken\r\n" +
		"Message-ID: <files-2@shop.example>\r\n\r\nThe logo shows a broken image.\r\n"
	if err := env.Send("ann@shop.example", []string{"support@support.example.com"}, first); err != nil {
		t.Fatal(err)
	}
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 1 && len(env.Slack.Posts()) == 1 }) {
		t.Fatalf("ack and card: %d mails, %d posts", len(env.Relay.Mail()), len(env.Slack.Posts()))
	}
	return env, env.Slack.Posts()[0]
}

func postEvent(t *testing.T, env *demo.Env, body string) {
	t.Helper()
	code, res, err := demo.PostSlack(context.Background(), env.App.HTTPAddr, "/slack/events", "application/json", body, demo.SigningSecret)
	if err != nil || code != http.StatusOK {
		t.Fatalf("event answered %d %s, %v", code, res, err)
	}
}

func threadSays(env *demo.Env, ts, words string) bool {
	for _, p := range env.Slack.Posts() {
		if p.ThreadTS == ts && strings.Contains(p.Text, words) {
			return true
		}
	}
	return false
}

// TestAgentFilesReachTheCustomer: a PNG an agent shares in the thread is
// attached to the customer's mail, fetched with the bot token; an
// executable, and a PNG that is not one, are refused and the thread says
// why; a 30 MB file, over [mail] attach_max_bytes, is not sent and the
// thread says so when no public URL is configured.
func TestAgentFilesReachTheCustomer(t *testing.T) {
	env, card := startWithTicket(t, nil)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{1}, 5000)...)
	big := 30 << 20
	postEvent(t, env, fileShare("EvF1", card.Channel, card.TS, "1800000000.000101", "Here is the fixed logo.",
		slackFile("F1", "logo.png", "image/png", len(png), env.Slack.ShareFile("logo.png", png)),
		slackFile("F2", "fix.exe", "application/octet-stream", 4, env.Slack.ShareFile("fix.exe", []byte("MZ\x90\x00"))),
		slackFile("F3", "fake.png", "image/png", 9, env.Slack.ShareFile("fake.png", []byte("%PDF-1.4\n"))),
		slackFile("F4", "video.mp4", "video/mp4", big, env.Slack.ShareFile("video.mp4", []byte("not fetched"))),
	))
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 2 }) {
		t.Fatalf("relay has %d mails, want the ack and the answer", len(env.Relay.Mail()))
	}
	e, err := mailin.Parse(env.Relay.Mail()[1].Data, core.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	files, err := mailin.Files(env.Relay.Mail()[1].Data, 1<<20)
	if err != nil || len(files) != 1 || files[0].Filename != "logo.png" || !bytes.Equal(files[0].Data, png) {
		t.Fatalf("answer's files %+v, %v; want logo.png whole", e.Attachments, err)
	}
	if !strings.Contains(e.Text, "Here is the fixed logo.") || !strings.Contains(e.Text, "logo.png (5 KB): attached") {
		t.Errorf("answer text:\n%s", e.Text)
	}
	for _, name := range []string{"fix.exe", "fake.png", "video.mp4"} {
		if strings.Contains(e.Text, name) {
			t.Errorf("the mail names %s, which was not sent:\n%s", name, e.Text)
		}
	}
	for _, want := range []string{"fix.exe was not sent to the customer: fix.exe is an executable file",
		"fake.png was not sent to the customer: fake.png says it is image/png but its content is application/pdf",
		"video.mp4 was not sent to the customer: it is 30.0 MB, over the limit of 10.0 MB for mail attachments, and no public URL"} {
		if !demo.WaitFor(func() bool { return threadSays(env, card.TS, want) }) {
			t.Errorf("the thread never said %q", want)
		}
	}
}

// TestAgentLargeFileGoesAsLink: with [http] public_url set, a 30 MB file
// goes as a signed link that serves that file only, and stops working
// after seven days.
func TestAgentLargeFileGoesAsLink(t *testing.T) {
	const secret = "files-test-secret"
	env, card := startWithTicket(t, func(c *gateway.Config) {
		c.HTTP.PublicURL, c.Secret = "https://desk.example.com/", secret
	})
	big := append([]byte("\x1a\x45\xdf\xa3"), bytes.Repeat([]byte("frame "), (30<<20)/6)...)
	postEvent(t, env, fileShare("EvF5", card.Channel, card.TS, "1800000000.000201", "The recording:",
		slackFile("F5", "screen.webm", "video/webm", len(big), env.Slack.ShareFile("screen.webm", big))))
	if !demo.WaitFor(func() bool { return len(env.Relay.Mail()) == 2 }) {
		t.Fatalf("relay has %d mails, want the ack and the answer", len(env.Relay.Mail()))
	}
	e, err := mailin.Parse(env.Relay.Mail()[1].Data, core.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Attachments) != 0 {
		t.Errorf("the answer attaches %+v; want a link only", e.Attachments)
	}
	i := strings.Index(e.Text, "https://desk.example.com/files/")
	if i < 0 {
		t.Fatalf("no link in the answer:\n%s", e.Text)
	}
	path := strings.Fields(e.Text[i+len("https://desk.example.com"):])[0]
	get := func(p string) (int, []byte, http.Header) {
		res, err := http.Get("http://" + env.App.HTTPAddr + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b, res.Header
	}
	code, body, h := get(path)
	if code != http.StatusOK || !bytes.Equal(body, big) || !strings.Contains(h.Get("Content-Disposition"), "screen.webm") ||
		h.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("GET %s: %d, %d bytes, %v", path, code, len(body), h)
	}
	if code, _, _ := get(path[:len(path)-2] + "aa"); code != http.StatusNotFound {
		t.Errorf("a tampered link answered %d", code)
	}
	if code, _, _ := get("/files/" + token.SignFile([]byte("other secret"), 1, time.Now().Add(time.Hour))); code != http.StatusNotFound {
		t.Errorf("a link signed with another secret answered %d", code)
	}
	if code, _, _ := get("/files/" + token.SignFile([]byte(secret), 1, time.Now().Add(-time.Minute))); code != http.StatusNotFound {
		t.Errorf("an expired link answered %d", code)
	}
}

// TestValidateFileKeys: a public_url that is no http(s) base URL, and a
// negative file limit or cap, stop the gateway at start with the key.
func TestValidateFileKeys(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(*gateway.Config)
		want string // part of the error; "" when valid
	}{
		{"https", func(c *gateway.Config) { c.HTTP.PublicURL = "https://desk.example.com" }, ""},
		{"no scheme", func(c *gateway.Config) { c.HTTP.PublicURL = "desk.example.com" }, "http.public_url"},
		{"ftp", func(c *gateway.Config) { c.HTTP.PublicURL = "ftp://desk.example.com" }, "http.public_url"},
		{"query", func(c *gateway.Config) { c.HTTP.PublicURL = "https://desk.example.com/?a=b" }, "http.public_url"},
		{"attach", func(c *gateway.Config) { c.Mail.AttachMaxBytes = -1 }, "mail.attach_max_bytes"},
		{"upload", func(c *gateway.Config) { c.Slack.UploadMaxBytes = -1 }, "slack.upload_max_bytes"},
		{"cap", func(c *gateway.Config) {
			d := c.Departments["support"]
			d.MaxOpenPerAgent = -2
			c.Departments["support"] = d
		}, "departments.support.max_open_per_agent"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := gateway.DefaultConfig()
			cfg.Departments["support"] = gateway.DepartmentConfig{}
			c.set(cfg)
			cfg.FillDefaults()
			err := cfg.Validate()
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("Validate = %v; want an error naming %q", err, c.want)
			}
		})
	}
}
