package store

import (
	"context"
	"testing"

	"helpdesk/core"
)

func TestDB_Channels(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	seed := []Channel{{Name: "smtp", Kind: ChannelSMTP, Enabled: true}, {Name: "support", Kind: ChannelIMAP, Enabled: false}}
	if err := db.SeedChannels(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := db.SetChannelEnabled(ctx, "support", true); err != nil {
		t.Fatal(err)
	}
	// Seeding again keeps the admin's choice.
	if err := db.SeedChannels(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := db.AddChannel(ctx, Channel{Name: "sales", Kind: ChannelIMAP, Enabled: true, Settings: []byte(`{"Address":"x:1"}`)}); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrAddTwice", func(t *testing.T) {
		err := db.AddChannel(ctx, Channel{Name: "support", Kind: ChannelIMAP})
		if core.ErrorCode(err) != core.ECONFLICT {
			t.Fatalf("add of a used name: %v (code %s), want conflict", err, core.ErrorCode(err))
		}
	})
	chs, err := db.Channels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(chs) != 3 || chs[0].Name != "sales" || chs[0].Source != SourceCLI || string(chs[0].Settings) != `{"Address":"x:1"}` ||
		chs[2].Name != "support" || !chs[2].Enabled || chs[2].Source != SourceConfig || chs[2].Settings != nil {
		t.Fatalf("channels %+v", chs)
	}
	t.Run("ErrRemoveConfig", func(t *testing.T) {
		if err := db.RemoveChannel(ctx, "support"); core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("remove of a config channel: %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if err := db.RemoveChannel(ctx, "nope"); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("remove of no channel: %v", err)
		}
		if err := db.SetChannelEnabled(ctx, "nope", true); core.ErrorCode(err) != core.ENOTFOUND {
			t.Fatalf("enable of no channel: %v", err)
		}
	})
	if err := db.RemoveChannel(ctx, "sales"); err != nil {
		t.Fatal(err)
	}
	if chs, _ := db.Channels(ctx); len(chs) != 2 {
		t.Fatalf("%d channels after remove, want 2", len(chs))
	}
	if err := db.Writable(ctx); err != nil {
		t.Fatalf("Writable: %v", err)
	}
}

func TestDB_QuarantineShowDrop(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	q := &core.Quarantined{Channel: "imap:support", Ref: "INBOX UID 7", Reason: "unparseable", Size: 5, Raw: []byte("hello")}
	if err := db.Quarantine(ctx, q); err != nil {
		t.Fatal(err)
	}
	got, err := db.QuarantineGet(ctx, q.ID)
	if err != nil || string(got.Raw) != "hello" || got.Reason != "unparseable" || got.Ref != "INBOX UID 7" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if err := db.QuarantineDrop(ctx, q.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.QuarantineGet(ctx, q.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("get after drop: %v", err)
	}
	if err := db.QuarantineDrop(ctx, q.ID); core.ErrorCode(err) != core.ENOTFOUND {
		t.Fatalf("drop twice: %v", err)
	}
}

func TestDB_CountsAndCreditTotals(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c, err := db.Counts(ctx)
	if err != nil || c.TicketsByDepartment == nil || c.SLAAtRisk != 0 {
		t.Fatalf("counts %+v, %v", c, err)
	}
	tot, err := db.CreditTotals(ctx)
	if err != nil || *tot != (CreditTotals{}) {
		t.Fatalf("credit totals on an empty database: %+v, %v", tot, err)
	}
}
