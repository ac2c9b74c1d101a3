package outbound

import "maps"

// SetChannels replaces Options.Channels, the Slack channel of each
// department, while the worker runs (a configuration reload). Rows sent
// afterwards, older ones included, go to the new channels. It is safe to
// call from any goroutine.
func (w *Worker) SetChannels(channels map[string]string) {
	m := maps.Clone(channels)
	w.channels.Store(&m)
}

// channel returns the Slack channel of a department.
func (w *Worker) channel(department string) (string, bool) {
	if m := w.channels.Load(); m != nil {
		c, ok := (*m)[department]
		return c, ok
	}
	c, ok := w.opts.Channels[department]
	return c, ok
}
