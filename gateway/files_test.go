package gateway_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"helpdesk/gateway"
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
