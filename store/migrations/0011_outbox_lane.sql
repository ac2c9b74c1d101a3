-- Each outbox row names its lane (core.Lane): a ticket's rows go out in
-- order within a lane, and a lane whose channel is down holds up no
-- other. The lane used to be told from the kind (email or not), so a
-- third channel would have changed every query that tells them apart.
ALTER TABLE outbox ADD COLUMN lane TEXT NOT NULL DEFAULT '';
UPDATE outbox SET lane = CASE kind WHEN 'email' THEN 'mail' ELSE 'slack' END;
