-- Due() keeps each ticket's rows in order by looking for an earlier
-- pending row of the same ticket; without this index that look-up scans
-- the whole outbox for every row.
CREATE INDEX outbox_ticket ON outbox (ticket_id, state, id);
-- Due() reads pending rows in id order and stops after a batch: with the
-- rows in id order that is a short scan, however long the backlog.
CREATE INDEX outbox_pending ON outbox (state, id);
