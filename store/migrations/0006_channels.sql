-- Channels (docs/rules.md §8): every IMAP mailbox, the SMTP listener, the
-- outbound relay and Slack, with whether it is enabled. Entries of the
-- configuration file are seeded here (source 'config', settings stay in
-- the file); `channel add` creates IMAP mailboxes at run time (source
-- 'cli', settings as JSON). A running serve polls this table, so enable
-- and disable take effect without a restart.
CREATE TABLE channels (
	name       TEXT PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('imap', 'smtp', 'relay', 'slack')),
	enabled    INTEGER NOT NULL DEFAULT 1,
	source     TEXT NOT NULL DEFAULT 'config' CHECK (source IN ('config', 'cli')),
	settings   TEXT NOT NULL DEFAULT '{}', -- JSON, for source 'cli' only
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
