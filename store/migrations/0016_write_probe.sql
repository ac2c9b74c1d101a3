-- One row that /readyz rewrites to prove the database takes writes
-- (store.DB.Writable): a write that changes nothing is skipped by SQLite,
-- so the probe changes the time and a counter.
CREATE TABLE write_probe (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	at TEXT NOT NULL, -- the last probe
	n  INTEGER NOT NULL DEFAULT 0
);
