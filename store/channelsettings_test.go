package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A mailbox added before the settings had a version was stored as cmd's
// IMAPConfig, with Go's field names; it must still start.
func TestParseIMAPSettings_FirstFormat(t *testing.T) {
	const old = `{"Name":"sales","Address":"imap.example.com:993","TLS":"implicit","CAFile":"/etc/ca.pem",` +
		`"Username":"sales@example.com","Password":"s3cret","Auth":"plain","Mailbox":"INBOX","PollInterval":"45s",` +
		`"IDLE":null,"ProcessedMailbox":"Done","FailedMailbox":"Failed","Disabled":false}`
	ctx := context.Background()
	db := MustOpen(t)
	if err := db.AddChannel(ctx, Channel{Name: "sales", Kind: ChannelIMAP, Enabled: true, Settings: []byte(old)}); err != nil {
		t.Fatal(err)
	}
	chs, err := db.Channels(ctx)
	if err != nil || len(chs) != 1 {
		t.Fatalf("channels %+v, %v", chs, err)
	}
	got, err := ParseIMAPSettings(chs[0].Settings)
	if err != nil {
		t.Fatal(err)
	}
	want := IMAPSettings{Version: IMAPSettingsVersion, Address: "imap.example.com:993", TLS: "implicit", CAFile: "/etc/ca.pem",
		Username: "sales@example.com", Password: "s3cret", Auth: "plain", Mailbox: "INBOX", PollInterval: 45 * time.Second,
		IDLE: true, ProcessedMailbox: "Done", FailedMailbox: "Failed"}
	if *got != want {
		t.Fatalf("first format read as\n%+v, want\n%+v", *got, want)
	}

	off, err := ParseIMAPSettings([]byte(`{"Address":"x:143","IDLE":false,"PollInterval":"0s"}`))
	if err != nil || off.IDLE || off.PollInterval != 0 {
		t.Fatalf("IDLE false in the first format: %+v, %v", off, err)
	}
}

func TestIMAPSettings_RoundTrip(t *testing.T) {
	in := IMAPSettings{Address: "imap.example.com:143", TLS: "starttls", Username: "u", Password: "p", Auth: "login",
		Mailbox: "Support", PollInterval: 30 * time.Second, IDLE: true}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"version":1`, `"poll_interval":"30s"`, `"address":"imap.example.com:143"`, `"idle":true`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("stored settings %s lack %s", raw, key)
		}
	}
	out, err := ParseIMAPSettings(raw)
	if err != nil {
		t.Fatal(err)
	}
	in.Version = IMAPSettingsVersion
	if *out != in {
		t.Fatalf("read back %+v, want %+v", *out, in)
	}
	if _, err := ParseIMAPSettings([]byte(`{"version":99}`)); err == nil {
		t.Fatal("a newer version was read")
	}
}
