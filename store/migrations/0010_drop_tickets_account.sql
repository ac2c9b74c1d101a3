-- tickets_account_created (account_id, created_at) serves every lookup
-- by account that tickets_account (account_id) served; keeping both cost
-- every new ticket one more index to write.
DROP INDEX IF EXISTS tickets_account;
