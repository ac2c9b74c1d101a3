package imap

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestMissingMailbox(t *testing.T) {
	no := func(code imap.ResponseCode, text string) error {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: code, Text: text}
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{no(imap.ResponseCodeNonExistent, "No such mailbox"), true},
		{no(imap.ResponseCodeNonExistent, ""), true},
		{no(imap.ResponseCodeTryCreate, "Mailbox doesn't exist: Processed"), true},
		{no("", "Mailbox doesn't exist: Support (0.001 + 0.000 secs)."), true},
		{no("", "Mailbox doesn\u2019t exist"), true},
		{no("", "Mailbox does not exist"), true},
		{no("", "Mailbox does not exist, or must be subscribed to."), true},
		{no("", "SELECT failed: Can't open mailbox Support: no such mailbox"), true},
		{no(imap.ResponseCodeNonExistent, "Unknown Mailbox: Support (Failure)"), true},
		{no("", "Unknown Mailbox: Support (Failure)"), true},
		{no("", "The specified folder could not be found in the store."), true},
		{fmt.Errorf("select mailbox Support: %w", no("", "Mailbox doesn't exist: Support")), true},

		{nil, false},
		{io.ErrUnexpectedEOF, false},
		{errors.New("mailbox does not exist"), false}, // not the server's answer
		{no("", "Internal error occurred."), false},
		{no(imap.ResponseCodeNoPerm, "Permission denied"), false},
		{no(imap.ResponseCodeServerBug, "Internal error"), false},
		{&imap.Error{Type: imap.StatusResponseTypeBad, Text: "Error in IMAP command SELECT: Mailbox does not exist"}, false},
	} {
		if got := missingMailbox(tc.err); got != tc.want {
			t.Errorf("missingMailbox(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
