package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strings"

	"helpdesk/core"
	slackin "helpdesk/inbound/slack"
)

// reloadable are the top-level configuration keys a running gateway
// takes on SIGHUP (App.Reload). Everything else is read once at start.
var reloadable = map[string]bool{"departments": true, "agents": true, "imap": true, "log": true}

// Change is one configuration key that differs between two configurations.
type Change struct {
	Key      string // "departments.support.slack_channel", "smtp.listen"
	Old, New string // "(secret)" for passwords, tokens and secrets
}

func (c Change) attrs() []any { return []any{"key", c.Key, "from", c.Old, "to", c.New} }

// ReloadReport says what a reload did.
type ReloadReport struct {
	Applied []Change // in effect now
	Restart []Change // read at start only: in effect after a restart
	// Ignored are [[imap]] disabled changes: the channels table decides
	// whether a mailbox runs (helpdesk channel enable|disable).
	Ignored []Change
}

// Reload applies the reloadable parts of next, a configuration loaded
// and validated like the first one: the departments (addresses, Slack
// channel, heads), the agents, the [[imap]] mailboxes (a mailbox whose
// settings changed is restarted, a new one is added to the channels
// table) and the log level (which the caller applies: it owns the
// logger). Nothing is applied when it returns an error. Templates are
// built into the binary, so only a new binary changes them.
//
// It is safe to call while mail is received: a mail is routed by the old
// departments or by the new ones, as a whole.
func (a *App) Reload(ctx context.Context, next *Config) (*ReloadReport, error) {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	cur := a.live.Load()
	rep := &ReloadReport{}
	for _, c := range DiffConfig(cur, next) {
		top, _, _ := strings.Cut(c.Key, ".")
		switch {
		case top == "imap" && strings.HasSuffix(c.Key, ".disabled"):
			rep.Ignored = append(rep.Ignored, c)
		case reloadable[top]:
			rep.Applied = append(rep.Applied, c)
		default:
			rep.Restart = append(rep.Restart, c)
		}
	}
	run := *cur
	run.Departments, run.Agents, run.IMAP, run.Log = next.Departments, next.Agents, next.IMAP, next.Log
	chs, err := configChannels(&run)
	if err != nil {
		return nil, err
	}
	depts, channels := departments(&run)
	if err := a.Core.SetDepartments(depts); err != nil {
		return nil, err
	}
	a.Worker.SetChannels(channels)
	if a.Slack != nil {
		a.Slack.Handler.SetAgents(slackAgents(run.Agents))
	}
	a.live.Store(&run)
	// New mailboxes get their row; one that is already there keeps its
	// enabled state.
	if err := a.DB.SeedChannels(ctx, chs); err != nil {
		return rep, fmt.Errorf("reloaded, but new [[imap]] mailboxes were not added: %w", err)
	}
	a.sup.wakeUp()
	return rep, nil
}

// Log writes the report: what changed, what waits for a restart.
func (r *ReloadReport) Log(log *slog.Logger) {
	if len(r.Applied)+len(r.Restart)+len(r.Ignored) == 0 {
		log.Info("configuration reloaded: nothing changed")
		return
	}
	for _, c := range r.Applied {
		log.Info("configuration reloaded: changed", c.attrs()...)
	}
	for _, c := range r.Ignored {
		log.Warn("configuration reloaded: not applied, the channels table decides; use helpdesk channel enable|disable", "key", c.Key)
	}
	for _, c := range r.Restart {
		log.Warn("configuration reloaded: needs a restart to take effect", c.attrs()...)
	}
}

// departments are the core departments of cfg, and each one's Slack
// channel for the outbox worker.
func departments(cfg *Config) ([]core.Department, map[string]string) {
	var depts []core.Department
	channels := map[string]string{}
	for _, name := range cfg.DepartmentNames() {
		d := cfg.Departments[name]
		depts = append(depts, core.Department{Name: name, Addresses: d.Addresses, Heads: d.Heads,
			UnknownSender: d.UnknownSender, Language: d.Language, SubjectWords: d.SubjectWords,
			Authentication: d.Authentication, AutoAssign: d.AutoAssign, MaxOpenPerAgent: d.MaxOpenPerAgent,
			Agents: departmentAgents(cfg.Agents, name)})
		channels[name] = d.SlackChannel
	}
	return depts, channels
}

// departmentAgents are the agents who work in a department, in the
// order [[agents]] lists them: those who name it, and those who name no
// department (they work in all).
func departmentAgents(agents []AgentConfig, department string) []string {
	var ids []string
	for _, ag := range agents {
		if len(ag.Departments) == 0 || slices.Contains(ag.Departments, department) {
			ids = append(ids, ag.ID)
		}
	}
	return ids
}

func slackAgents(cfgAgents []AgentConfig) []slackin.Agent {
	var agents []slackin.Agent
	for _, ag := range cfgAgents {
		agents = append(agents, slackin.Agent{ID: ag.ID, Name: ag.Name, Email: ag.Email, Departments: ag.Departments})
	}
	return agents
}

// DiffConfig lists the keys that differ between two configurations, by
// their TOML names; entries of [[imap]] are named by their name, of
// [[agents]] by their id. Secret values are not shown.
func DiffConfig(old, next *Config) []Change {
	var out []Change
	diffValue("", reflect.ValueOf(*old), reflect.ValueOf(*next), &out)
	return out
}

var durationType = reflect.TypeOf(Duration{})

func diffValue(key string, a, b reflect.Value, out *[]Change) {
	switch {
	case a.Kind() == reflect.Struct && a.Type() != durationType:
		for i := 0; i < a.NumField(); i++ {
			tag, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("toml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			diffValue(joinKey(key, tag), a.Field(i), b.Field(i), out)
		}
	case a.Kind() == reflect.Map:
		diffKeyed(key, mapEntries(a), mapEntries(b), out)
	case a.Kind() == reflect.Slice && a.Type().Elem().Kind() == reflect.Struct:
		diffKeyed(key, sliceEntries(a), sliceEntries(b), out)
	case !reflect.DeepEqual(a.Interface(), b.Interface()):
		*out = append(*out, Change{Key: key, Old: showValue(key, a), New: showValue(key, b)})
	}
}

// diffKeyed compares two sets of named entries.
func diffKeyed(key string, a, b map[string]reflect.Value, out *[]Change) {
	names := map[string]bool{}
	for k := range a {
		names[k] = true
	}
	for k := range b {
		names[k] = true
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		va, okA := a[k]
		vb, okB := b[k]
		switch {
		case !okA:
			*out = append(*out, Change{Key: joinKey(key, k), Old: "(none)", New: "(added)"})
		case !okB:
			*out = append(*out, Change{Key: joinKey(key, k), Old: "(present)", New: "(removed)"})
		default:
			diffValue(joinKey(key, k), va, vb, out)
		}
	}
}

func mapEntries(v reflect.Value) map[string]reflect.Value {
	m := map[string]reflect.Value{}
	for it := v.MapRange(); it.Next(); {
		m[fmt.Sprint(it.Key().Interface())] = it.Value()
	}
	return m
}

// sliceEntries names each entry by its Name or ID field, else its index.
func sliceEntries(v reflect.Value) map[string]reflect.Value {
	m := map[string]reflect.Value{}
	for i := 0; i < v.Len(); i++ {
		e := v.Index(i)
		name := fmt.Sprint(i)
		for _, f := range []string{"ID", "Name"} {
			if fv := e.FieldByName(f); fv.IsValid() && fv.Kind() == reflect.String && fv.String() != "" {
				name = fv.String()
				break
			}
		}
		m[name] = e
	}
	return m
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// showValue prints a value for the log; secrets show as "(secret)".
func showValue(key string, v reflect.Value) string {
	if secretKey(key) {
		return "(secret)"
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "(unset)"
		}
		v = v.Elem()
	}
	if v.Type() == durationType {
		return v.Interface().(Duration).String()
	}
	s := fmt.Sprint(v.Interface())
	if s == "" || s == "[]" {
		return `""`
	}
	return s
}

// secretKey reports whether a key holds a secret (not a *_file path).
func secretKey(key string) bool {
	if strings.HasSuffix(key, "_file") {
		return false
	}
	last := key[strings.LastIndex(key, ".")+1:]
	return last == "secret" || strings.HasSuffix(last, "password") || strings.HasSuffix(last, "token") ||
		strings.HasSuffix(last, "signing_secret")
}
