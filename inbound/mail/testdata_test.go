package mail

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"helpdesk/core"
)

// mustReadTestdata reads a file under testdata/.
func mustReadTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("reading testdata: %v", err)
	}
	return b
}

func TestParse_Testdata(t *testing.T) {
	t.Run("reply-latin1", func(t *testing.T) {
		e := mustParse(t, mustReadTestdata(t, "reply-latin1.eml"))
		if want := (core.Address{Name: "José Martínez", Addr: "jose@example.es"}); e.From != want {
			t.Fatalf("From: got %q, want %q", e.From, want)
		}
		if want := "Светлана - Re: [#1042] printer"; e.Subject != want {
			t.Fatalf("Subject: got %q, want %q", e.Subject, want)
		}
		if want := "Señor técnico, the printer works again."; e.Text != want {
			t.Fatalf("Text: got %q, want %q", e.Text, want)
		}
		if want := "On Mon, Dec 1, 2014 at 8:48 PM, Support <support@helpdesk.example.com> wrote:\n> Please restart it.\n>\n> Ref: T1042-K3F9A2C1\n\n--\nJosé"; e.Quoted != want {
			t.Fatalf("Quoted: got %q, want %q", e.Quoted, want)
		}
		if want := []string{"t1042.m1@helpdesk.example.com", "t1042.m7@helpdesk.example.com"}; !slices.Equal(e.References, want) {
			t.Fatalf("References: got %q, want %q", e.References, want)
		}
		if e.Auto || len(e.Attachments) != 0 {
			t.Fatalf("got Auto=%v, %d attachments, want a plain reply", e.Auto, len(e.Attachments))
		}
	})
	t.Run("broken", func(t *testing.T) {
		e := mustParse(t, mustReadTestdata(t, "broken.eml"))
		if want := (core.Address{Name: "Müller, Hans", Addr: "hans.mueller@example.de"}); e.From != want {
			t.Fatalf("From: got %q, want %q", e.From, want)
		}
		if want := "Rechnung für Dezember"; e.Subject != want {
			t.Fatalf("Subject: got %q, want %q", e.Subject, want)
		}
		if want := "Die Rechnung für Dezember fehlt."; e.Text != want {
			t.Fatalf("Text: got %q, want %q", e.Text, want)
		}
		if e.MessageID != "20141202.abc@example.de" {
			t.Fatalf("MessageID: got %q, want %q", e.MessageID, "20141202.abc@example.de")
		}
		if want := []string{"t9@helpdesk.example.com", "t10@helpdesk.example.com"}; !slices.Equal(e.References, want) {
			t.Fatalf("References: got %q, want %q", e.References, want)
		}
		if want := []core.Attachment{{Filename: "rechnung.txt", ContentType: "application/octet-stream", Size: len("hello world")}}; !slices.Equal(e.Attachments, want) {
			t.Fatalf("Attachments: got %+v, want %+v", e.Attachments, want)
		}
		for _, w := range []string{"Missing Boundary", "Malformed Base64", "Character Set Conversion"} {
			if !hasWarning(e, w) {
				t.Fatalf("got warnings %q, want one containing %q", e.Warnings, w)
			}
		}
	})
	t.Run("bounce", func(t *testing.T) {
		e := mustParse(t, mustReadTestdata(t, "bounce.eml"))
		if want := "bounce: delivery status notification (nobody@example.org 5.1.1)"; !e.Auto || e.AutoReason != want {
			t.Fatalf("got %v %q, want %q", e.Auto, e.AutoReason, want)
		}
		if e.Bounce == nil || len(e.Bounce.Recipients) != 1 || !e.Bounce.Recipients[0].Permanent {
			t.Fatalf("Bounce: got %+v, want one permanent failure", e.Bounce)
		}
		var names []string
		for _, a := range e.Attachments {
			names = append(names, a.Filename+" "+a.ContentType)
		}
		if want := []string{"part-2.txt message/delivery-status", "part-3.txt text/rfc822-headers"}; !slices.Equal(names, want) {
			t.Fatalf("got %q, want %q", names, want)
		}
	})
}
