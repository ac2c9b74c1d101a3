-- A ticket merged into another (docs/rules.md §2) is kept, closed, and
-- points to the survivor, so that mail naming it still finds a ticket.
CREATE TABLE ticket_merges (
	ticket_id  INTEGER PRIMARY KEY REFERENCES tickets (id),
	into_id    INTEGER NOT NULL REFERENCES tickets (id),
	by_whom    TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX ticket_merges_into ON ticket_merges (into_id);

-- A project task's developer, time frame (dates, YYYY-MM-DD, '' when
-- not set) and progress in percent (docs/rules.md §2).
ALTER TABLE tasks ADD COLUMN developer TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN start_on  TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN due_on    TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN progress  INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100);
-- The status page's overdue tasks.
CREATE INDEX tasks_due ON tasks (due_on) WHERE due_on != '';
