-- A profile whose address bounced is not mailed until it writes again
-- (docs/rules.md §1, §6).
ALTER TABLE profiles ADD COLUMN bouncing_since TEXT NOT NULL DEFAULT '';
ALTER TABLE profiles ADD COLUMN bounce_status TEXT NOT NULL DEFAULT '';
