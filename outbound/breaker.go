package outbound

import "time"

// A breaker pauses a lane whose channel looks down. Without it, every
// pending row of an outage retries on its own back-off, which has grown
// to minutes by the time the relay or Slack is back: the queue then
// waits for the first of those retries before anything moves. After
// breakerAfter temporary failures in a row the lane is paused; when the
// pause ends one row is tried (the probe), and each failed probe doubles
// the pause up to breakerMaxPause. A row that goes through closes the
// breaker, and the worker wakes the lane's failed rows.
//
// A breaker also sets how many rows of its lane go out at once (width):
// one until a row of the lane went through, after the start and after
// each failure, so that a channel that is down sees one row at a time.
//
// A breaker lives in memory: after a restart every lane starts closed.
type breaker struct {
	fails int           // temporary failures in a row
	until time.Time     // paused until then
	pause time.Duration // the next pause
	ok    bool          // the last row answered (sent or refused for good)
}

const (
	breakerAfter      = 5
	breakerFirstPause = 10 * time.Second
	breakerMaxPause   = time.Minute
)

// paused reports whether the lane must not be tried at now.
func (b *breaker) paused(now time.Time) bool { return now.Before(b.until) }

// failed counts a temporary failure at now and reports whether it paused
// the lane.
func (b *breaker) failed(now time.Time) bool {
	b.ok = false
	b.fails++
	if b.fails < breakerAfter || b.paused(now) {
		// A row sent concurrently with the one that paused the lane is
		// no failed probe: the pause stays as it is.
		return false
	}
	if b.pause == 0 {
		b.pause = breakerFirstPause
	}
	b.until = now.Add(b.pause)
	b.pause = min(2*b.pause, breakerMaxPause)
	return true
}

// answered closes the breaker: the channel took a row or refused it for
// good, so it is there. It reports whether the lane had been paused.
func (b *breaker) answered() bool {
	was := b.fails >= breakerAfter
	*b = breaker{ok: true}
	return was
}

// width returns how many rows of the lane may be in flight at once, of
// at most n.
func (b *breaker) width(n int) int {
	if b.ok {
		return n
	}
	return 1
}
