-- The people copied on a ticket besides its requester (docs/rules.md §1):
-- taken from the To and Cc of customers' mail, or added with `cc add`.
-- A participant need not be a profile.
CREATE TABLE participants (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	email      TEXT NOT NULL,
	name       TEXT NOT NULL DEFAULT '',
	added_by   TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	UNIQUE (ticket_id, email)
);

-- The answers to a person's own mail (the results of their #commands,
-- #tickets) written to each address: not automatic mail, but a runaway
-- loop is still stopped by a generous cap (docs/rules.md §6).
CREATE TABLE answer_mails (
	id        INTEGER PRIMARY KEY,
	address   TEXT NOT NULL,
	at        TEXT NOT NULL,
	ticket_id INTEGER,
	template  TEXT NOT NULL,
	refused   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX answer_mails_address ON answer_mails (address, at);
