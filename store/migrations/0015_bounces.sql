-- What each mail the gateway sends goes to (docs/rules.md §6): a delivery
-- report marks an address bouncing only when it is about one of these,
-- by the signed return path that names the row (bounces+TOKEN@domain)
-- or, for mail sent without one, by the Message-ID it returns. Kept for
-- 30 days (core.BounceTokenValidity), then forgotten by the sweep.
CREATE TABLE sent_mails (
	id         INTEGER PRIMARY KEY,
	message_id TEXT NOT NULL,
	recipient  TEXT NOT NULL,            -- the one envelope recipient, lower case
	ticket_id  INTEGER REFERENCES tickets (id), -- NULL: about no ticket
	signed     INTEGER NOT NULL DEFAULT 0, -- carried its signed return path
	at         TEXT NOT NULL
);
CREATE INDEX sent_mails_message_id ON sent_mails (message_id);
CREATE INDEX sent_mails_at ON sent_mails (at);

-- The mail of the last 30 days was sent before the table existed, from
-- the From address: its reports prove themselves by its Message-ID.
INSERT INTO sent_mails (message_id, recipient, ticket_id, signed, at)
SELECT json_extract(CAST(payload AS TEXT), '$.message_id'),
	lower(coalesce(nullif(json_extract(CAST(payload AS TEXT), '$.rcpt'), ''),
		json_extract(CAST(payload AS TEXT), '$.to.addr'))),
	ticket_id, 0, created_at
FROM outbox
WHERE kind = 'email' AND json_valid(CAST(payload AS TEXT))
	AND created_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-30 days')
	AND json_extract(CAST(payload AS TEXT), '$.message_id') IS NOT NULL
	AND coalesce(nullif(json_extract(CAST(payload AS TEXT), '$.rcpt'), ''),
		json_extract(CAST(payload AS TEXT), '$.to.addr')) IS NOT NULL;
