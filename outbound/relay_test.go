package outbound

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func TestRelay_Send(t *testing.T) {
	be, addr := MustStartRelay(t)
	raw, err := BuildEmail(testNotice(), testFrom, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := &Relay{Addr: addr, LocalName: "helpdesk.test", Timeout: 5 * time.Second}

	t.Run("OK", func(t *testing.T) {
		if err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x"); err != nil {
			t.Fatalf("Send: %v", err)
		}
		got := be.received()
		if len(got) != 1 {
			t.Fatalf("relay got %d mails, want 1", len(got))
		}
		if got[0].From != testFrom.Addr || len(got[0].To) != 1 || got[0].To[0] != "ann@customer.test" {
			t.Errorf("envelope = %s -> %v", got[0].From, got[0].To)
		}
		if !bytes.Equal(got[0].Data, raw) {
			t.Errorf("data changed in transit:\n%s", got[0].Data)
		}
	})

	for _, tc := range []struct {
		name      string
		code      int
		permanent bool
	}{
		{"Err451", 451, false},
		{"Err550", 550, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be.setCode(tc.code)
			defer be.setCode(0)
			err := r.Send(context.Background(), testFrom.Addr, []string{"ann@customer.test"}, raw, "id@x")
			if err == nil {
				t.Fatal("Send: no error")
			}
			if got := IsPermanent(err); got != tc.permanent {
				t.Fatalf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
		})
	}

	t.Run("ErrConnRefused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := ln.Addr().String()
		ln.Close()
		err = (&Relay{Addr: dead}).Send(context.Background(), testFrom.Addr, []string{"a@b.test"}, raw, "id@x")
		if err == nil || IsPermanent(err) {
			t.Fatalf("err = %v, want a temporary error", err)
		}
	})

	t.Run("ErrCanceled", func(t *testing.T) {
		// A server that accepts but never greets: only ctx can end the wait.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		accepted := make(chan struct{})
		go func() {
			c, err := ln.Accept()
			close(accepted)
			if err == nil {
				defer c.Close()
				c.Read(make([]byte, 1)) // until the client hangs up
			}
		}()
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			errc <- (&Relay{Addr: ln.Addr().String()}).Send(ctx, "a@b.test", []string{"c@d.test"}, raw, "id@x")
		}()
		<-accepted // the client now waits for the greeting
		cancel()
		select {
		case err := <-errc:
			if !errors.Is(err, context.Canceled) || IsPermanent(err) {
				t.Fatalf("err = %v, want context.Canceled, temporary", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Send did not return after cancel")
		}
	})
}
