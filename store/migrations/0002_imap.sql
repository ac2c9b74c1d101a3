-- Per IMAP mailbox: the UIDVALIDITY seen last and the highest UID whose
-- message is committed. A changed UIDVALIDITY means a rescan.
CREATE TABLE imap_cursors (
	mailbox      TEXT PRIMARY KEY, -- the [[imap]] name
	uid_validity INTEGER NOT NULL,
	last_uid     INTEGER NOT NULL,
	updated_at   TEXT NOT NULL
);

-- Mail that could never be processed, kept with its raw bytes and why.
CREATE TABLE quarantine (
	id         INTEGER PRIMARY KEY,
	channel    TEXT NOT NULL,          -- e.g. "imap:support", "smtp"
	ref        TEXT NOT NULL DEFAULT '', -- where it came from (UID 42 in INBOX)
	message_id TEXT NOT NULL DEFAULT '',
	reason     TEXT NOT NULL,
	size       INTEGER NOT NULL,       -- bytes, even when raw is not kept
	raw        BLOB,                   -- NULL when too large to keep
	created_at TEXT NOT NULL
);
