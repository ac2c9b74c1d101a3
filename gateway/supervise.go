package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"helpdesk/core"
	"helpdesk/inbound/admin"
	imapin "helpdesk/inbound/imap"
	"helpdesk/store"
)

// ChannelPollInterval is how often serve reads the channels table, so
// that `channel enable|disable|add|remove` takes effect without a restart.
// Replaced during tests.
var ChannelPollInterval = 2 * time.Second

// supervisor keeps the running channels in step with the channels table
// (docs/rules.md §8): it starts and stops IMAP pollers, makes the SMTP listener
// refuse, and holds the outbox rows of a disabled relay or Slack.
type supervisor struct {
	a   *App
	log *slog.Logger

	smtpOff, relayOff, slackOff atomic.Bool
	relay, slack                outState

	mu      sync.Mutex
	rows    []store.Channel       // as last read
	pollers map[string]*pollerRun // by channel name; stopped ones stay for their counters
	runCtx  context.Context       // set by start; pollers run under it
	// failed is the settings key of each channel whose poller could not
	// be built, so that it is logged once, not at every read.
	failed map[string]string
	wake   chan struct{} // wakeUp: read the table now
}

// pollerRun is one IMAP channel's poller and, while it runs, how to stop it.
type pollerRun struct {
	p        *imapin.Poller
	settings string // what it was built from, to notice a re-added channel
	cancel   context.CancelFunc
	done     chan struct{}
}

func newSupervisor(a *App) *supervisor {
	return &supervisor{a: a, log: a.log.With("component", "channels"), pollers: map[string]*pollerRun{},
		failed: map[string]string{}, wake: make(chan struct{}, 1)}
}

// holds tells the outbox worker whether rows of kind wait: email rows for
// the relay, the rest for Slack.
func (s *supervisor) holds(kind string) bool {
	if kind == core.OutboxEmail {
		return s.relayOff.Load()
	}
	return s.slackOff.Load()
}

// report records an outbox attempt for the metrics and the channel state.
func (s *supervisor) report(kind string, err error) {
	s.a.metrics.Notified(kind, err)
	if kind == core.OutboxEmail {
		s.relay.record(s.a.now(), err)
	} else {
		s.slack.record(s.a.now(), err)
	}
}

// start reads the table once and starts what is enabled, then polls it
// until ctx is done. Pollers run under ctx too.
func (s *supervisor) start(ctx context.Context, wg *sync.WaitGroup) {
	s.mu.Lock()
	s.runCtx = ctx
	s.mu.Unlock()
	if err := s.sync(ctx, wg); err != nil {
		s.log.Error("read channels", "err", err)
	}
	s.a.run(wg, "channels", func() error {
		t := time.NewTicker(ChannelPollInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			case <-s.wake:
			}
			if err := s.sync(ctx, wg); err != nil && ctx.Err() == nil {
				s.log.Error("read channels", "err", err)
			}
		}
	})
}

// wakeUp makes the supervisor read the table now (after a reload).
func (s *supervisor) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// sync applies the table: it is called from start's goroutine only.
func (s *supervisor) sync(ctx context.Context, wg *sync.WaitGroup) error {
	rows, err := s.a.DB.Channels(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.rows = rows
	s.mu.Unlock()
	imap := map[string]store.Channel{}
	for _, c := range rows {
		switch c.Kind {
		case store.ChannelSMTP:
			s.toggle(&s.smtpOff, c, nil)
		case store.ChannelRelay:
			s.toggle(&s.relayOff, c, s.a.Worker.Kick)
		case store.ChannelSlack:
			s.toggle(&s.slackOff, c, s.a.Worker.Kick)
		case store.ChannelIMAP:
			imap[c.Name] = c
		}
	}
	s.mu.Lock()
	names := make([]string, 0, len(s.pollers))
	for name := range s.pollers {
		names = append(names, name)
	}
	s.mu.Unlock()
	for _, name := range names {
		if c, ok := imap[name]; !ok || !c.Enabled || s.changed(c) {
			s.stopPoller(name, !ok || s.changed(c))
		}
	}
	for _, c := range imap {
		if c.Enabled {
			s.startPoller(c, wg)
		}
	}
	return nil
}

// toggle sets off from the row and logs a change; onEnable runs when the
// channel comes back (the worker is kicked to send what was held).
func (s *supervisor) toggle(off *atomic.Bool, c store.Channel, onEnable func()) {
	was := off.Swap(!c.Enabled)
	if was == !c.Enabled {
		return
	}
	s.log.Info("channel "+enabledWord(c.Enabled), "channel", c.Name)
	if c.Enabled && onEnable != nil {
		onEnable()
	}
}

func enabledWord(on bool) string {
	if on {
		return "enabled"
	}
	return "disabled"
}

// changed reports whether a channel's settings differ from its running
// poller's: it was updated, removed and added again, or its [[imap]]
// entry changed in a reloaded configuration file.
func (s *supervisor) changed(c store.Channel) bool {
	key := s.a.settingsKey(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.pollers[c.Name]
	return ok && r.settings != key
}

// settingsKey is what a poller of c is built from: the row's settings
// for an added channel, the [[imap]] entry in effect for one of the
// file; "" when there is none.
func (a *App) settingsKey(c store.Channel) string {
	if c.Source == store.SourceCLI {
		return string(c.Settings)
	}
	m, err := ChannelIMAP(a.live.Load(), c)
	if err != nil {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(b)
}

// startPoller starts the poller of c unless it runs.
func (s *supervisor) startPoller(c store.Channel, wg *sync.WaitGroup) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.pollers[c.Name]
	if r != nil && r.cancel != nil {
		return
	}
	if r == nil {
		key := s.a.settingsKey(c)
		p, err := s.a.newPoller(c)
		if err != nil {
			if prev, ok := s.failed[c.Name]; !ok || prev != key {
				s.log.Warn("imap channel cannot start", "channel", c.Name, "err", err)
			}
			s.failed[c.Name] = key
			return
		}
		delete(s.failed, c.Name)
		r = &pollerRun{p: p, settings: key}
		s.pollers[c.Name] = r
	}
	ctx, cancel := context.WithCancel(s.runCtx)
	r.cancel, r.done = cancel, make(chan struct{})
	done := r.done
	s.log.Info("imap channel started", "channel", c.Name)
	s.a.run(wg, "imap", func() error {
		defer close(done)
		return s.a.underLease(ctx, mailboxLease(c.Name), r.p.Run)
	})
}

// stopPoller stops a running poller and waits for it to log out; forget
// drops it altogether (the channel is gone or was re-added).
func (s *supervisor) stopPoller(name string, forget bool) {
	s.mu.Lock()
	r := s.pollers[name]
	var done chan struct{}
	if r != nil && r.cancel != nil {
		r.cancel()
		done = r.done
		r.cancel, r.done = nil, nil
	}
	if forget {
		delete(s.pollers, name)
	}
	s.mu.Unlock()
	if done != nil {
		<-done
		s.log.Info("imap channel stopped", "channel", name)
	}
}

// newPoller builds the poller of an IMAP channel: from the configuration
// file for source config, from the row's settings for a channel added
// with `channel add`.
func (a *App) newPoller(c store.Channel) (*imapin.Poller, error) {
	m, err := a.imapConfig(c)
	if err != nil {
		return nil, err
	}
	name := "imap:" + m.Name
	opts := IMAPOptions(*m, a.live.Load(), a.log)
	opts.OnCommit = func(d time.Duration) { a.metrics.Intake(name, d) }
	opts.ParseBudget = a.budget
	return imapin.New(countingReceiver{kicker{a.Core, a.Worker}, name, a.metrics},
		countingStore{a.DB, name, a.metrics}, opts), nil
}

// imapConfig returns the settings of an IMAP channel.
func (a *App) imapConfig(c store.Channel) (*IMAPConfig, error) {
	return ChannelIMAP(a.live.Load(), c)
}

// ChannelIMAP returns the settings of IMAP channel c: from cfg for a
// channel of the configuration file, from the row for one added with
// `channel add`.
func ChannelIMAP(cfg *Config, c store.Channel) (*IMAPConfig, error) {
	if c.Source == store.SourceCLI {
		st, err := store.ParseIMAPSettings(c.Settings)
		if err != nil {
			return nil, fmt.Errorf("channel %s: settings: %w", c.Name, err)
		}
		m := imapConfig(c.Name, st)
		if m.Password, err = openPassword(cfg, c.Name, st.Password); err != nil {
			return nil, err
		}
		return &m, nil
	}
	for i := range cfg.IMAP {
		if cfg.IMAP[i].Name == c.Name {
			return &cfg.IMAP[i], nil
		}
	}
	return nil, fmt.Errorf("channel %s is not in the configuration file any more", c.Name)
}

// channels reports every channel's state for /status and /readyz.
func (s *supervisor) channels() []admin.Channel {
	s.mu.Lock()
	rows := slices.Clone(s.rows)
	runs := map[string]*pollerRun{}
	for k, v := range s.pollers {
		runs[k] = &pollerRun{p: v.p, cancel: v.cancel}
	}
	s.mu.Unlock()
	var out []admin.Channel
	for _, c := range rows {
		ch := admin.Channel{Name: c.Name, Kind: c.Kind, Enabled: c.Enabled, State: "disabled"}
		switch c.Kind {
		case store.ChannelSMTP:
			if c.Enabled {
				ch.State, ch.Connected, ch.OK = "listening", true, true
			}
		case store.ChannelRelay:
			s.relay.fill(&ch)
		case store.ChannelSlack:
			s.slack.fill(&ch)
		case store.ChannelIMAP:
			if r := runs[c.Name]; r != nil {
				st := r.p.State()
				ch.State, ch.Connected = st.State, st.Connected
				ch.LastSuccess, ch.LastError, ch.LastErrorAt = timePtr(st.LastSuccess), st.LastError, timePtr(st.LastErrorAt)
				ch.NextAttempt, ch.Processed, ch.Quarantined = timePtr(st.NextAttempt), st.Processed, st.Quarantined
				ch.LagMessages = st.Lag
				ch.OK = r.cancel != nil && !st.LastSuccess.IsZero() && !st.LastErrorAt.After(st.LastSuccess)
				if r.cancel == nil && c.Enabled {
					ch.State = imapin.StateStopped
				}
				// Another gateway polls it: this one is ready to take over.
				if _, ok := s.a.standby.Load(mailboxLease(c.Name)); ok && r.cancel != nil {
					ch.State, ch.OK = StateStandby, true
				}
			} else if c.Enabled {
				ch.State = "not_started"
			}
			if !c.Enabled {
				ch.State = "disabled"
			}
		}
		out = append(out, ch)
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// outState is the last success and last error of an outbound channel.
type outState struct {
	mu                   sync.Mutex
	lastSuccess, errorAt time.Time
	lastError            string
}

func (o *outState) record(now time.Time, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err == nil {
		o.lastSuccess = now
		return
	}
	o.errorAt, o.lastError = now, err.Error()
}

// fill sets the state of an outbound channel: ready unless its last
// attempt failed.
func (o *outState) fill(ch *admin.Channel) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ch.LastSuccess, ch.LastErrorAt, ch.LastError = timePtr(o.lastSuccess), timePtr(o.errorAt), o.lastError
	ch.OK = !o.errorAt.After(o.lastSuccess)
	ch.Connected = ch.OK
	if ch.Enabled {
		ch.State = "ready"
		if !ch.OK {
			ch.State = "failing"
		}
	} else {
		ch.State = "holding"
	}
}
