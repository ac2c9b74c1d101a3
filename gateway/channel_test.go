package gateway

import (
	"testing"
	"time"

	"helpdesk/store"
)

// A mailbox that `channel add` stored before the settings had a version
// (this package's IMAPConfig as JSON) still becomes a poller's config.
func TestChannelIMAP_FirstFormat(t *testing.T) {
	old := store.Channel{Name: "sales", Kind: store.ChannelIMAP, Source: store.SourceCLI, Settings: []byte(
		`{"Name":"x","Address":"imap.example.com:993","TLS":"implicit","CAFile":"","Username":"u","Password":"pw",` +
			`"Auth":"login","Mailbox":"INBOX","PollInterval":"30s","IDLE":false,"ProcessedMailbox":"","FailedMailbox":"","Disabled":false}`)}
	m, err := ChannelIMAP(DefaultConfig(), old)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "sales" || m.Address != "imap.example.com:993" || m.Password != "pw" || m.PollInterval.Duration != 30*time.Second ||
		m.IDLE == nil || *m.IDLE {
		t.Fatalf("old settings read as %+v", m)
	}
}
