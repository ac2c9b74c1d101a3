-- The sender check of each inbound mail (docs/rules.md §6): JSON
-- {"dmarc", "spf", "dkim", "domain", "policy", "aligned"}, each outcome
-- pass, fail, none or temperror. NULL for outbound mail and notes, and
-- for mail that was not checked (stored before this column existed, or
-- fed in by other means).
ALTER TABLE messages ADD COLUMN auth TEXT;
