-- New messages enter the full-text index after the transaction that
-- stores them, not in it (store/searchindex.go): search_indexed holds
-- the highest message id indexed, and every message above it waits.
-- Messages are never deleted, so ids above it are exactly the waiting
-- ones. The update and delete triggers stay: on a message not indexed
-- yet they change nothing, and the indexer reads its row as it is then.
CREATE TABLE search_indexed (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	last_id INTEGER NOT NULL
);
INSERT INTO search_indexed (id, last_id) SELECT 1, COALESCE(MAX(id), 0) FROM messages;
DROP TRIGGER message_search_insert;

-- No query reads outbox_due (outbox_pending and outbox_ticket serve the
-- due rows, the counts and a ticket's pending rows); each outbox row
-- wrote it twice, at insert and when marked sent.
DROP INDEX IF EXISTS outbox_due;
