-- Several gateways on one database share the work: a lease names the one
-- that runs a singleton job (the sweep, an IMAP mailbox) until it expires,
-- and an outbox row being sent is claimed by one gateway for a while.
-- Both expire on the server's clock, so the gateways' clocks do not matter.
CREATE TABLE leases (
	name   TEXT COLLATE "C" PRIMARY KEY,
	holder TEXT COLLATE "C" NOT NULL,
	until  TIMESTAMPTZ NOT NULL
);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ;
