package imap

import (
	"testing"
)

func TestIdleWatch(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		want   string // the notice, "" for none
	}{
		{"Dovecot", []string{"* NO Internal error occurred. Refer to server log for more information. [2026-11-22 00:29:18]\r\n"},
			"NO Internal error occurred. Refer to server log for more information. [2026-11-22 00:29:18]"},
		{"Split", []string{"* 3 EXISTS\r\n* N", "o [ALERT] quota", " almost full\r", "\n"}, "No [ALERT] quota almost full"},
		{"BadNoText", []string{"* BAD\r\n"}, "BAD"},
		{"NotFinished", []string{"* NO Internal error"}, ""},
		{"Ordinary", []string{"* 4 EXISTS\r\n* 2 EXPUNGE\r\n* OK Still here\r\n* 1 FETCH (FLAGS (\\Seen))\r\n"}, ""},
		{"Tagged", []string{"a7 NO Search failed\r\n"}, ""},
		{"NotAtLineStart", []string{"* OK Text with * NO inside\r\n"}, ""},
		{"OtherWord", []string{"* NOTIFY something\r\n* BADGER\r\n"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			w := newIdleWatch(func() { calls++ })
			w.arm()
			for _, c := range tc.chunks {
				if n, err := w.Write([]byte(c)); n != len(c) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := w.take(); got != tc.want {
				t.Fatalf("notice %q, want %q", got, tc.want)
			}
			if want := min(len(tc.want), 1); calls != want {
				t.Fatalf("%d calls, want %d", calls, want)
			}
			if got := w.take(); got != "" {
				t.Fatalf("second take %q, want nothing", got)
			}
		})
	}
}

func TestIdleWatchDisarmed(t *testing.T) {
	calls := 0
	w := newIdleWatch(func() { calls++ })
	w.Write([]byte("* NO before IDLE\r\n")) // not armed yet
	w.arm()
	w.Write([]byte("* 5 EXISTS\r\n* NO half"))
	w.disarm()
	w.Write([]byte(" a line\r\n* NO after IDLE\r\n"))
	w.arm() // a new IDLE starts a new line
	w.Write([]byte("a line\r\n"))
	if calls != 0 || w.take() != "" {
		t.Fatalf("%d calls, notice %q; want none", calls, w.take())
	}
	// A very long line is cut, not kept whole.
	w.Write([]byte("* NO "))
	for range 100 {
		w.Write([]byte("0123456789"))
	}
	w.Write([]byte("\r\n"))
	if got := w.take(); calls != 1 || len(got) != maxNoticeBytes-2 {
		t.Fatalf("%d calls, notice of %d bytes; want 1, %d", calls, len(got), maxNoticeBytes-2)
	}
}
