-- Saved replies (docs/rules.md §7): markdown snippets with placeholders
-- that agents send with `reply-with NAME`.
CREATE TABLE reply_templates (
	name       TEXT PRIMARY KEY,
	text       TEXT NOT NULL,
	by_whom    TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- Custom charges on a ticket (docs/rules.md §5): asked for with
-- `charge AMOUNT REASON`, then charged, or dropped when declined.
CREATE TABLE custom_charges (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	amount     INTEGER NOT NULL CHECK (amount > 0),
	reason     TEXT NOT NULL,
	by_whom    TEXT NOT NULL,
	state      TEXT NOT NULL DEFAULT 'asked' CHECK (state IN ('asked', 'charged', 'dropped')),
	created_at TEXT NOT NULL,
	done_at    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX custom_charges_ticket ON custom_charges (ticket_id, id);

-- Two ledger kinds join the CHECK: `manual` (credits adjusted by hand,
-- either way) and `custom_charge`. SQLite cannot change a CHECK in
-- place, and a table that others reference cannot be dropped while
-- foreign keys are on, so the three ledger tables are rebuilt together,
-- children dropped first; renaming a new table rewrites the references
-- to it.
CREATE TABLE credit_entries_new (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	kind       TEXT NOT NULL CHECK (kind IN ('grant', 'purchase', 'charge', 'adjustment', 'refund', 'expiry', 'transfer',
		'manual', 'custom_charge')),
	amount     INTEGER NOT NULL CHECK (amount != 0), -- signed
	balance    INTEGER NOT NULL CHECK (balance >= 0), -- the account's balance after this entry
	ticket_id  INTEGER REFERENCES tickets (id),
	by_whom    TEXT NOT NULL,
	reason     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
INSERT INTO credit_entries_new SELECT id, account_id, kind, amount, balance, ticket_id, by_whom, reason, created_at FROM credit_entries;

CREATE TABLE credit_lots_new (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	entry_id   INTEGER NOT NULL REFERENCES credit_entries_new (id), -- the entry that added it
	kind       TEXT NOT NULL,
	credits    INTEGER NOT NULL CHECK (credits > 0),
	remaining  INTEGER NOT NULL,
	added_at   TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	CHECK (remaining BETWEEN 0 AND credits)
);
INSERT INTO credit_lots_new SELECT id, account_id, entry_id, kind, credits, remaining, added_at, expires_at FROM credit_lots;

CREATE TABLE credit_spends_new (
	entry_id  INTEGER NOT NULL REFERENCES credit_entries_new (id),
	lot_id    INTEGER NOT NULL REFERENCES credit_lots_new (id),
	ticket_id INTEGER REFERENCES tickets (id),
	credits   INTEGER NOT NULL CHECK (credits != 0)
);
INSERT INTO credit_spends_new SELECT entry_id, lot_id, ticket_id, credits FROM credit_spends;

DROP TABLE credit_spends;
DROP TABLE credit_lots;
DROP TABLE credit_entries;
ALTER TABLE credit_entries_new RENAME TO credit_entries;
ALTER TABLE credit_lots_new RENAME TO credit_lots;
ALTER TABLE credit_spends_new RENAME TO credit_spends;

CREATE INDEX credit_entries_account ON credit_entries (account_id, id);
CREATE INDEX credit_entries_ticket ON credit_entries (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE TRIGGER credit_entries_no_update BEFORE UPDATE ON credit_entries
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
CREATE TRIGGER credit_entries_no_delete BEFORE DELETE ON credit_entries
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
CREATE INDEX credit_lots_spend ON credit_lots (account_id, expires_at, id) WHERE remaining > 0;
CREATE INDEX credit_lots_expiry ON credit_lots (expires_at) WHERE remaining > 0;
CREATE INDEX credit_spends_ticket ON credit_spends (ticket_id, lot_id) WHERE ticket_id IS NOT NULL;
