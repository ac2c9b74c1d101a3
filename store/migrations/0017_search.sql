-- Full-text search over message subjects and texts (docs/rules.md §7).
-- FTS4, not FTS5: go-sqlite3 compiles FTS5 in only under a build tag, and
-- a binary built without it could not open the database. Ranking is BM25
-- over matchinfo (store.bm25). The index keeps its own copy of the words
-- rather than reading them from messages (content=): only then does FTS4
-- defer a word found in most messages and check it on the few rows the
-- rarer words select, instead of reading its whole posting list (1 ms
-- rather than 90 over a million messages). The triggers keep it in the
-- transaction that writes the message.
-- order=DESC: the newest messages come first, as a search ranks only
-- the newest matches (core.SearchCandidates).
CREATE VIRTUAL TABLE message_search USING fts4(
	subject, text, order=DESC,
	tokenize=unicode61 "remove_diacritics=2"
);

CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
	INSERT INTO message_search (docid, subject, text) VALUES (new.id, new.subject, new.text);
END;
CREATE TRIGGER message_search_update AFTER UPDATE OF subject, text ON messages BEGIN
	UPDATE message_search SET subject = new.subject, text = new.text WHERE docid = new.id;
END;
CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
	DELETE FROM message_search WHERE docid = old.id;
END;

-- The messages stored before this migration.
INSERT INTO message_search (docid, subject, text) SELECT id, subject, text FROM messages;

-- A ticket's tags (core.ValidTag): lower case, at most 20 a ticket.
CREATE TABLE ticket_tags (
	ticket_id INTEGER NOT NULL REFERENCES tickets (id),
	tag       TEXT NOT NULL,
	PRIMARY KEY (ticket_id, tag)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);
