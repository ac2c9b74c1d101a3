-- Ticket life cycle, priority, HotRush, service levels and rating
-- (docs/rules.md §2–§4).
ALTER TABLE tickets ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN solved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN hotrush_paid INTEGER NOT NULL DEFAULT 0; -- consumed an incident package
ALTER TABLE tickets ADD COLUMN last_public_at TEXT NOT NULL DEFAULT '';  -- last public message, either side
ALTER TABLE tickets ADD COLUMN status_at TEXT NOT NULL DEFAULT '';       -- when the status last changed
ALTER TABLE tickets ADD COLUMN closed_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN predecessor INTEGER REFERENCES tickets (id);
ALTER TABLE tickets ADD COLUMN rating_score INTEGER NOT NULL DEFAULT 0;  -- 0: not rated
ALTER TABLE tickets ADD COLUMN rating_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN awaiting_reply INTEGER NOT NULL DEFAULT 1; -- a customer waits for staff
ALTER TABLE tickets ADD COLUMN rank REAL NOT NULL DEFAULT 2;              -- effective priority (§3)
ALTER TABLE tickets ADD COLUMN sla_state TEXT NOT NULL DEFAULT 'ok';      -- none, ok, at_risk, breached, met
ALTER TABLE tickets ADD COLUMN sla_start TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN sla_risk_at TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN sla_due TEXT NOT NULL DEFAULT '';

UPDATE tickets SET last_public_at = created_at, status_at = created_at;

-- The sweep asks for the few tickets whose timer is due; these indexes
-- keep that cheap with a million tickets.
CREATE INDEX tickets_idle ON tickets (type, solved, last_public_at)
	WHERE status IN ('submitted', 'assigned', 'in_progress', 'reopened');
CREATE INDEX tickets_pre_closed ON tickets (status_at) WHERE status = 'pre_closed';
CREATE INDEX tickets_sla ON tickets (sla_risk_at, sla_due)
	WHERE awaiting_reply = 1 AND sla_state IN ('ok', 'at_risk') AND status != 'closed';
-- The queue: active tickets awaiting a staff reply, in queue order.
CREATE INDEX tickets_queue ON tickets (hotrush DESC, rank DESC, sla_due, id)
	WHERE awaiting_reply = 1 AND status IN ('submitted', 'assigned', 'in_progress', 'reopened');
CREATE INDEX tickets_account_created ON tickets (account_id, created_at);
CREATE INDEX message_ids_ticket ON message_ids (ticket_id);

ALTER TABLE accounts ADD COLUMN hotrush_disables INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN subscription_until TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN incidents INTEGER NOT NULL DEFAULT 0; -- unused one-incident packages
ALTER TABLE accounts ADD COLUMN priority_factor REAL NOT NULL DEFAULT 1;

CREATE TABLE tasks (
	id         INTEGER PRIMARY KEY,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	number     INTEGER NOT NULL, -- 1, 2, … within the ticket
	title      TEXT NOT NULL,
	status     TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (ticket_id, number)
);
