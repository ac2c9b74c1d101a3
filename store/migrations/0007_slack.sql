-- Slack as the support team's desk (docs/rules.md §7).

-- Events API deliveries already handled, by Slack's event_id: Slack
-- retries a delivery it thinks failed, and a retry must change nothing.
-- Rows older than a week are pruned as new ones arrive.
CREATE TABLE slack_events (
	event_id    TEXT PRIMARY KEY,
	received_at TEXT NOT NULL
);
CREATE INDEX slack_events_received ON slack_events (received_at);

-- Agents' messages in tickets' threads that the gateway took: an answer
-- emailed to the customer or an internal note. An edit or deletion of
-- one of them is reported in the thread.
CREATE TABLE slack_messages (
	channel    TEXT NOT NULL,
	ts         TEXT NOT NULL,
	ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
	direction  TEXT NOT NULL CHECK (direction IN ('outbound', 'note')),
	author     TEXT NOT NULL, -- the agent's id
	created_at TEXT NOT NULL,
	PRIMARY KEY (channel, ts)
);

-- A thread reply names its ticket by the card's ts.
CREATE INDEX tickets_slack_thread ON tickets (slack_ts) WHERE slack_ts != '';
