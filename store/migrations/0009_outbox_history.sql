-- Every attempt at an outbox row: when it started, how long it took, and
-- what came of it (sent, retry, dead; held is reserved for a row that a
-- guard kept back). The row keeps only its latest error; this keeps all.
CREATE TABLE outbox_attempts (
	id          INTEGER PRIMARY KEY,
	outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
	at          TEXT NOT NULL,
	duration_ms INTEGER NOT NULL,
	result      TEXT NOT NULL CHECK (result IN ('sent', 'retry', 'dead', 'held')),
	error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_attempts_row ON outbox_attempts (outbox_id, id);

-- The automatic mails written to each address, queued or refused by the
-- mail loop guard, which counts the last hour's of an address.
CREATE TABLE auto_mails (
	id        INTEGER PRIMARY KEY,
	address   TEXT NOT NULL,
	at        TEXT NOT NULL,
	ticket_id INTEGER,
	template  TEXT NOT NULL,
	refused   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX auto_mails_address ON auto_mails (address, at);
