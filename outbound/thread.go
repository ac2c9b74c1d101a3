package outbound

import (
	"context"
	"sync"
)

// threadCache holds the tickets' cards that were posted but whose rows
// are not marked sent yet: the mark records the ticket's thread in the
// database (in the batch's transaction, or from the journal after a
// crash), and until then the ticket's later Slack rows find it here.
type threadCache struct {
	mu sync.Mutex
	m  map[int64][2]string // ticket -> channel, ts
}

func (c *threadCache) put(ticket int64, channel, ts string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[ticket] = [2]string{channel, ts}
}

func (c *threadCache) get(ticket int64) (channel, ts string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	th := c.m[ticket]
	return th[0], th[1]
}

// forget drops the card of e once e is marked.
func (c *threadCache) forget(e JournalEntry) {
	if e.TS == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[e.Ticket][1] == e.TS {
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
