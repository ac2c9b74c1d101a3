-- DO NOT EDIT: a frozen copy of the first schema, for TestMigrate_FromFirstSchema.
-- Accounts are customer companies; profiles are their people.
CREATE TABLE accounts (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('customer', 'presales')),
	name       TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL
);

CREATE TABLE profiles (
	id         INTEGER PRIMARY KEY,
	account_id INTEGER NOT NULL REFERENCES accounts (id),
	email      TEXT NOT NULL UNIQUE, -- lower case
	name       TEXT NOT NULL DEFAULT '',
	role       TEXT NOT NULL CHECK (role IN ('primary', 'advanced_secondary', 'secondary')),
	created_at TEXT NOT NULL
);
CREATE INDEX profiles_account ON profiles (account_id);

-- A ticket's id is its public number.
CREATE TABLE tickets (
	id            INTEGER PRIMARY KEY,
	account_id    INTEGER NOT NULL REFERENCES accounts (id),
	profile_id    INTEGER NOT NULL REFERENCES profiles (id),
	department    TEXT NOT NULL,
	type          TEXT NOT NULL,
	status        TEXT NOT NULL,
	priority      TEXT NOT NULL DEFAULT 'normal',
	hotrush       INTEGER NOT NULL DEFAULT 0,
	subject       TEXT NOT NULL,
	slack_channel TEXT NOT NULL DEFAULT '',
	slack_ts      TEXT NOT NULL DEFAULT '',
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE INDEX tickets_account ON tickets (account_id);
CREATE INDEX tickets_status ON tickets (status);

-- Every message of a ticket, and inbound mail that belongs to none
-- (ticket_id NULL: an auto-reply that matched nothing). raw holds the
-- inbound mail exactly as it came.
CREATE TABLE messages (
	id          INTEGER PRIMARY KEY,
	ticket_id   INTEGER REFERENCES tickets (id),
	direction   TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound', 'note')),
	profile_id  INTEGER REFERENCES profiles (id),
	from_addr   TEXT NOT NULL,
	message_id  TEXT NOT NULL,
	body_hash   TEXT NOT NULL,
	subject     TEXT NOT NULL DEFAULT '',
	text        TEXT NOT NULL DEFAULT '',
	quoted      TEXT NOT NULL DEFAULT '',
	auto        INTEGER NOT NULL DEFAULT 0,
	auto_reason TEXT NOT NULL DEFAULT '',
	attachments TEXT NOT NULL DEFAULT '[]', -- JSON array of core.Attachment
	raw         BLOB,
	created_at  TEXT NOT NULL,
	-- The same mail delivered twice is stored once.
	UNIQUE (message_id, body_hash)
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

-- Every Message-ID the gateway received or sent, mapped to its ticket.
CREATE TABLE message_ids (
	message_id TEXT NOT NULL,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	message    INTEGER REFERENCES messages (id), -- NULL for notices we sent
	direction  TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound'))
);
CREATE INDEX message_ids_id ON message_ids (message_id);

-- Side effects waiting to be performed, written in the transaction of the
-- change they belong to.
CREATE TABLE outbox (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	ticket_id    INTEGER REFERENCES tickets (id),
	payload      BLOB NOT NULL,
	state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt TEXT NOT NULL,
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   TEXT NOT NULL,
	done_at      TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt, id);
