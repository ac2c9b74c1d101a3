-- A customer's attachment uploaded into its ticket's Slack thread: the
-- outbox row that uploaded it and the file Slack made, so that a retried
-- row never uploads the file twice. The raw mail stays the record of the
-- file's bytes.
CREATE TABLE slack_uploads (
	outbox_id  INTEGER PRIMARY KEY,
	file_id    TEXT NOT NULL,
	created_at TEXT NOT NULL
);

-- A file an agent shared in a ticket's thread, kept for the customer's
-- mail: attached to it, or served at /files/TOKEN when it is too large
-- to attach. held_answer is the answer it waits with while the answer
-- is held (credits), so that it is attached when the answer goes.
CREATE TABLE files (
	id           INTEGER PRIMARY KEY,
	ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
	held_answer  INTEGER REFERENCES held_answers (id),
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,
	data         BLOB NOT NULL,
	created_at   TEXT NOT NULL
);
CREATE INDEX files_ticket ON files (ticket_id);
CREATE INDEX files_held ON files (held_answer) WHERE held_answer IS NOT NULL;

-- Agents who said /helpdesk away: automatic assignment passes them by
-- until they say /helpdesk back.
CREATE TABLE agents_away (
	agent TEXT PRIMARY KEY,
	since TEXT NOT NULL
);

-- The agent each department assigned a ticket to last, where its round
-- robin goes on from.
CREATE TABLE assign_turns (
	department TEXT PRIMARY KEY,
	agent      TEXT NOT NULL
);
