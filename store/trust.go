package store

import (
	"context"
	"encoding/json"
	"fmt"

	"helpdesk/core"
)

// authJSON is the stored form of a sender check: JSON, or NULL for none.
func authJSON(a *core.Auth) (any, error) {
	if a == nil {
		return nil, nil
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode auth: %w", err)
	}
	return string(b), nil
}

// parseAuth reads a stored sender check; "" (NULL) is none.
func parseAuth(s string) (*core.Auth, error) {
	if s == "" {
		return nil, nil
	}
	var a core.Auth
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Quarantine keeps a mail out of every ticket inside the transaction
// that decided so (docs/rules.md §6: a DMARC p=reject failure).
func (t *Tx) Quarantine(ctx context.Context, q *core.Quarantined) error {
	res, err := t.exec(ctx, `INSERT INTO quarantine (channel, ref, message_id, reason, size, raw, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, q.Channel, q.Ref, q.MessageID, q.Reason, q.Size, q.Raw, fmtTime(q.CreatedAt))
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	q.ID, err = res.LastInsertId()
	return err
}
