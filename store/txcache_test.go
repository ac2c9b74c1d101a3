package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"helpdesk/core"
)

// What a transaction remembers of the rows it wrote (a new ticket's
// profile, participants and tags) must read as the database would: the
// same values, and any later write shows.
func TestTx_RemembersWhatItWrote(t *testing.T) {
	db := MustOpen(t)
	ctx := context.Background()
	var inTx struct {
		profile              core.Profile
		participants0, after []core.Participant
		tags0, tagsAfter     []string
		renamed              string
		merged               []core.Participant
		profileID, into      int64
	}
	err := db.Tx(ctx, func(tx core.Tx) error {
		a := &core.Account{Kind: core.AccountPresales, CreatedAt: t0}
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		// A time finer than the stored one, and fields the insert leaves
		// to their defaults.
		p := &core.Profile{AccountID: a.ID, Email: "ann@example.com", Name: "Ann", Role: core.RolePrimary,
			CreatedAt: t0.Add(123456789 * time.Nanosecond), BouncingSince: t0, BounceStatus: "5.1.1", Language: "de"}
		if err := tx.CreateProfile(ctx, p); err != nil {
			return err
		}
		inTx.profileID = p.ID
		got, err := tx.Profile(ctx, p.ID)
		if err != nil {
			return err
		}
		inTx.profile = *got
		newTicket := func() (*core.Ticket, error) {
			tk := &core.Ticket{AccountID: a.ID, ProfileID: p.ID, Department: "support", Type: core.TypeSupport,
				Status: core.StatusSubmitted, Priority: "normal", Subject: "s", CreatedAt: t0, UpdatedAt: t0}
			return tk, tx.CreateTicket(ctx, tk)
		}
		tk, err := newTicket()
		if err != nil {
			return err
		}
		if inTx.participants0, err = tx.Participants(ctx, tk.Number); err != nil {
			return err
		}
		if inTx.tags0, err = tx.Tags(ctx, tk.Number); err != nil {
			return err
		}
		if err := tx.AddParticipant(ctx, &core.Participant{Ticket: tk.Number, Email: "bob@example.com", AddedBy: "ann@example.com", CreatedAt: t0}); err != nil {
			return err
		}
		if inTx.after, err = tx.Participants(ctx, tk.Number); err != nil {
			return err
		}
		if _, err := tx.AddTag(ctx, tk.Number, "vip"); err != nil {
			return err
		}
		if inTx.tagsAfter, err = tx.Tags(ctx, tk.Number); err != nil {
			return err
		}
		got.Name = "Ann B."
		if err := tx.UpdateProfile(ctx, got); err != nil {
			return err
		}
		if again, err := tx.Profile(ctx, p.ID); err != nil {
			return err
		} else {
			inTx.renamed = again.Name
		}
		// A merge into a ticket created in this transaction moves the
		// participants of the first one into it.
		into, err := newTicket()
		if err != nil {
			return err
		}
		inTx.into = into.Number
		if err := tx.MergeTicket(ctx, tk.Number, into.Number, "agent@support.example.com", t0); err != nil {
			return err
		}
		inTx.merged, err = tx.Participants(ctx, into.Number)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inTx.participants0) != 0 || len(inTx.tags0) != 0 {
		t.Errorf("a new ticket read participants %v, tags %v; want none", inTx.participants0, inTx.tags0)
	}
	if len(inTx.after) != 1 || inTx.after[0].Email != "bob@example.com" {
		t.Errorf("participants after adding one: %+v", inTx.after)
	}
	if !reflect.DeepEqual(inTx.tagsAfter, []string{"vip"}) {
		t.Errorf("tags after adding one: %v", inTx.tagsAfter)
	}
	if inTx.renamed != "Ann B." {
		t.Errorf("profile read after an update: name %q", inTx.renamed)
	}
	err = db.Tx(ctx, func(tx core.Tx) error {
		stored, err := tx.Profile(ctx, inTx.profileID)
		if err != nil {
			return err
		}
		stored.Name = "Ann" // as it was when the transaction first read it
		if !reflect.DeepEqual(*stored, inTx.profile) {
			t.Errorf("profile read in the creating transaction\n%+v\nstored\n%+v", inTx.profile, *stored)
		}
		merged, err := tx.Participants(ctx, inTx.into)
		if !reflect.DeepEqual(merged, inTx.merged) {
			t.Errorf("participants of the merge target in its transaction %+v, stored %+v", inTx.merged, merged)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
