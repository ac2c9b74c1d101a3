-- People and accounts (docs/rules.md §1): a profile's language and
-- notifications, the addresses a profile had before, merged accounts,
-- and mail held by a department's unknown-sender policy.
ALTER TABLE profiles ADD COLUMN language TEXT NOT NULL DEFAULT '';      -- chosen: '', 'en', 'ru'
ALTER TABLE profiles ADD COLUMN mail_language TEXT NOT NULL DEFAULT ''; -- of the latest mail
ALTER TABLE profiles ADD COLUMN notifications_off INTEGER NOT NULL DEFAULT 0;

-- An address a profile had until it changed; the profile keeps its id
-- and tickets.
CREATE TABLE profile_addresses (
	id         INTEGER PRIMARY KEY,
	profile_id INTEGER NOT NULL REFERENCES profiles (id),
	email      TEXT NOT NULL, -- lower case
	until      TEXT NOT NULL  -- when it was replaced
);
CREATE INDEX profile_addresses_profile ON profile_addresses (profile_id);

-- An account merged into another (a presales account whose person turned
-- out to belong to a customer): its profiles, tickets and credits moved.
CREATE TABLE account_merges (
	id         INTEGER PRIMARY KEY,
	from_id    INTEGER NOT NULL REFERENCES accounts (id),
	to_id      INTEGER NOT NULL REFERENCES accounts (id),
	credits    INTEGER NOT NULL DEFAULT 0, -- moved by a transfer
	at         TEXT NOT NULL
);

ALTER TABLE accounts ADD COLUMN merged_into INTEGER REFERENCES accounts (id);

-- Mail held by the unknown-sender policy: its department and sender, and
-- what staff decided ('held', 'accepted', 'rejected'); '' for mail that
-- could never be processed.
ALTER TABLE quarantine ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN sender TEXT NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN decided_at TEXT NOT NULL DEFAULT '';
