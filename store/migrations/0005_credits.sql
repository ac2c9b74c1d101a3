-- Support credits (docs/rules.md §5): an append-only ledger, lots that expire,
-- and each ticket's category and charge.

-- The account's balance, kept equal to the sum of its ledger and of its
-- lots' remainders by every posting; `helpdesk credits verify` checks it.
ALTER TABLE accounts ADD COLUMN credits INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0);
-- Every new ticket of the account is pre-agreed.
ALTER TABLE accounts ADD COLUMN preagree INTEGER NOT NULL DEFAULT 0;

ALTER TABLE tickets ADD COLUMN category INTEGER NOT NULL DEFAULT 0 CHECK (category BETWEEN 0 AND 3); -- 0: not assessed
ALTER TABLE tickets ADD COLUMN credits_charged INTEGER NOT NULL DEFAULT 0 CHECK (credits_charged >= 0);
ALTER TABLE tickets ADD COLUMN preagreed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN credits_hold TEXT NOT NULL DEFAULT ''
	CHECK (credits_hold IN ('', 'confirmation', 'credits')); -- what held answers wait for
ALTER TABLE tickets ADD COLUMN answered INTEGER NOT NULL DEFAULT 0; -- a staff answer was mailed

-- One row per change of a balance. Rows are never changed or deleted.
CREATE TABLE credit_entries (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	kind       TEXT NOT NULL CHECK (kind IN ('grant', 'purchase', 'charge', 'adjustment', 'refund', 'expiry', 'transfer')),
	amount     INTEGER NOT NULL CHECK (amount != 0), -- signed
	balance    INTEGER NOT NULL CHECK (balance >= 0), -- the account's balance after this entry
	ticket_id  INTEGER REFERENCES tickets (id),
	by_whom    TEXT NOT NULL,
	reason     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX credit_entries_account ON credit_entries (account_id, id);
CREATE INDEX credit_entries_ticket ON credit_entries (ticket_id) WHERE ticket_id IS NOT NULL;
CREATE TRIGGER credit_entries_no_update BEFORE UPDATE ON credit_entries
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;
CREATE TRIGGER credit_entries_no_delete BEFORE DELETE ON credit_entries
BEGIN SELECT RAISE(ABORT, 'the credit ledger is append-only'); END;

-- A lot is credits added at once (a grant, a purchase, a transfer in);
-- charges spend the lot that expires first.
CREATE TABLE credit_lots (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	entry_id   INTEGER NOT NULL REFERENCES credit_entries (id), -- the entry that added it
	kind       TEXT NOT NULL,
	credits    INTEGER NOT NULL CHECK (credits > 0),
	remaining  INTEGER NOT NULL,
	added_at   TEXT NOT NULL,
	expires_at TEXT NOT NULL,
	CHECK (remaining BETWEEN 0 AND credits)
);
CREATE INDEX credit_lots_spend ON credit_lots (account_id, expires_at, id) WHERE remaining > 0;
CREATE INDEX credit_lots_expiry ON credit_lots (expires_at) WHERE remaining > 0;

-- What each entry took from (credits > 0) or gave back to (credits < 0)
-- each lot, so a refund returns credits to the lots they came from.
CREATE TABLE credit_spends (
	entry_id  INTEGER NOT NULL REFERENCES credit_entries (id),
	lot_id    INTEGER NOT NULL REFERENCES credit_lots (id),
	ticket_id INTEGER REFERENCES tickets (id),
	credits   INTEGER NOT NULL CHECK (credits != 0)
);
CREATE INDEX credit_spends_ticket ON credit_spends (ticket_id, lot_id) WHERE ticket_id IS NOT NULL;

-- Staff answers held until the customer confirms the charge or credits
-- are added (docs/rules.md §5). Released or dropped answers stay.
CREATE TABLE held_answers (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	agent      TEXT NOT NULL,
	agent_name TEXT NOT NULL DEFAULT '',
	text       TEXT NOT NULL,
	state      TEXT NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'released', 'dropped')),
	created_at TEXT NOT NULL,
	done_at    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX held_answers_ticket ON held_answers (ticket_id, id) WHERE state = 'held';
