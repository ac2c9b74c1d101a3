package outbound

import (
	"context"
	"sync"
)

// threadCache holds the tickets' cards that were posted but whose rows
// are not marked sent yet: the mark records the ticket's thread in the
// database (in the transaction that marks the row, or from the journal
// after a crash), and until then the ticket's later Slack rows find it
// here.
type threadCache struct {
	mu sync.Mutex
	m  map[int64]cachedThread // by ticket
}

// cachedThread is where a ticket's parent message was posted, and by
// which outbox row: the card's, or a thread row's when the card was dead
// (Worker.newParent).
type cachedThread struct {
	channel, ts string
	row         int64
}

func (c *threadCache) put(ticket int64, channel, ts string, row int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[ticket] = cachedThread{channel, ts, row}
}

func (c *threadCache) get(ticket int64) (channel, ts string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	th := c.m[ticket]
	return th.channel, th.ts
}

// madeBy returns the ticket's parent message when row posted it.
func (c *threadCache) madeBy(ticket, row int64) (channel, ts string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	th, ok := c.m[ticket]
	if !ok || th.row != row {
		return "", "", false
	}
	return th.channel, th.ts, true
}

// forget drops the card of e once e is marked.
func (c *threadCache) forget(e JournalEntry) {
	if e.TS == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[e.Ticket].ts == e.TS {
		delete(c.m, e.Ticket)
	}
}

// slackThread returns where the ticket's card was posted: from the cache,
// else from the database; "" when it is not posted yet.
func (w *Worker) slackThread(ctx context.Context, ticket int64) (channel, ts string, err error) {
	if channel, ts = w.threads.get(ticket); ts != "" {
		return channel, ts, nil
	}
	return w.q.SlackThread(ctx, ticket)
}
