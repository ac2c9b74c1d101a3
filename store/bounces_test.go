package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"helpdesk/core"
)

// The records of sent mail are found by id and by Message-ID, and
// forgotten by age.
func TestSentMails(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	tk := mustTicket(t, db, "ann@shop.example")
	recs := []*core.SentMail{
		{MessageID: "a@x", Recipient: "ann@shop.example", Ticket: tk.Number, Signed: true, At: t0},
		{MessageID: "b@x", Recipient: "bob@shop.example", At: t0.Add(48 * time.Hour)},
	}
	err := db.Tx(ctx, func(tx core.Tx) error {
		for _, m := range recs {
			if err := tx.RecordSent(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(tx core.Tx) error {
		for _, m := range recs {
			byID, err := tx.SentMail(ctx, m.ID)
			if err != nil {
				return err
			}
			byMsgID, err := tx.SentMailByMessageID(ctx, m.MessageID)
			if err != nil {
				return err
			}
			if *byID != *m || *byMsgID != *m {
				t.Errorf("read back %+v and %+v, want %+v", byID, byMsgID, m)
			}
		}
		if _, err := tx.SentMailByMessageID(ctx, "c@x"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("unknown Message-ID: %v, want not found", err)
		}
		n, err := tx.ForgetSent(ctx, t0.Add(time.Hour))
		if err != nil || n != 1 {
			t.Errorf("ForgetSent = %d, %v; want 1", n, err)
		}
		if _, err := tx.SentMail(ctx, recs[0].ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("forgotten record: %v, want not found", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The upgrade that adds the records fills them from the mail of the last
// 30 days in the outbox, so that a report about mail sent just before the
// upgrade still proves itself by its Message-ID.
func TestMigration_SentMailsFromOutbox(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "helpdesk.db")
	old, err := OpenVersion(ctx, path, 14)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	rows := []struct {
		kind, payload string
		at            time.Time
	}{
		{"email", `{"message_id":"recent@x","to":{"addr":"Ann@Shop.example"}}`, now.Add(-24 * time.Hour)},
		{"email", `{"message_id":"copy@x","to":{"addr":"ann@shop.example"},"rcpt":"carl@contractor.example"}`, now.Add(-time.Hour)},
		{"email", `{"message_id":"old@x","to":{"addr":"ann@shop.example"}}`, now.Add(-40 * 24 * time.Hour)},
		{"slack_notice", `{"department":"support","text":"x"}`, now},
		{"email", `not json`, now},
	}
	for _, r := range rows {
		if _, err := old.db.ExecContext(ctx, `INSERT INTO outbox (kind, lane, payload, next_attempt, created_at)
			VALUES (?, 'mail', ?, '', ?)`, r.kind, []byte(r.payload), fmtTime(r.at)); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Tx(ctx, func(tx core.Tx) error {
		for id, want := range map[string]string{"recent@x": "ann@shop.example", "copy@x": "carl@contractor.example"} {
			m, err := tx.SentMailByMessageID(ctx, id)
			if err != nil {
				return err
			}
			if m.Recipient != want || m.Signed {
				t.Errorf("record of %s: %+v, want unsigned to %s", id, m, want)
			}
		}
		if _, err := tx.SentMailByMessageID(ctx, "old@x"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("mail of 40 days ago: %v, want no record", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
