package outbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Dir is a Mailer that writes each message to a file in the directory
// instead of sending it, for set-ups without a relay and for the demo.
// The file is named after the Message-ID, so a resend replaces the earlier
// file instead of adding a second one. The envelope is not recorded.
type Dir string

var _ Mailer = Dir("")

// Send writes msg to <dir>/<message-id>.eml, creating the directory if
// needed. The file appears atomically: a reader sees the old file or the
// whole new one, never a partial write.
func (d Dir) Send(ctx context.Context, from string, to []string, msg []byte, messageID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(string(d), 0o750); err != nil {
		return fmt.Errorf("mail dir: %w", err)
	}
	name := filepath.Join(string(d), fileName(messageID)+".eml")
	if err := writeAtomic(name, msg); err != nil {
		return fmt.Errorf("mail dir: write %s: %w", messageID, err)
	}
	return nil
}

// Path returns the file that Send writes for messageID.
func (d Dir) Path(messageID string) string {
	return filepath.Join(string(d), fileName(messageID)+".eml")
}

func writeAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*.eml")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// fileName turns a Message-ID into a safe file name: letters, digits and
// ".-_+@=" are kept, anything else becomes "_". When that changed the ID
// (or shortened it), a hash of the original is appended, so that two IDs
// differing only in replaced characters do not share a file.
func fileName(id string) string {
	const maxLen = 180
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			strings.ContainsRune(".-_+@=", r):
			return r
		}
		return '_'
	}, id)
	safe = strings.TrimLeft(safe, ".") // no hidden files, no ".."
	if safe == id && len(safe) <= maxLen && safe != "" {
		return safe
	}
	sum := sha256.Sum256([]byte(id))
	if len(safe) > maxLen {
		safe = safe[:maxLen]
	}
	if safe != "" {
		safe += "-"
	}
	return safe + hex.EncodeToString(sum[:6])
}
