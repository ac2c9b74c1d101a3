package mail

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"helpdesk/core"
)

// maxReportRecipients bounds the recipients taken from one report: a
// report of our mail, sent to one person each, names one.
const maxReportRecipients = 100

// dsnRecipients reads the per-recipient fields of every delivery-status
// part of a DSN (RFC 3464 §2.3): Final-Recipient (or Original-Recipient),
// Action, Status and Diagnostic-Code, for at most maxReportRecipients
// recipients. ok is true when the mail has such a part, even if no
// recipient could be read from it.
func dsnRecipients(root *enmime.Part) (rcpts []core.BouncedRecipient, ok bool) {
	parts := root.DepthMatchAll(func(p *enmime.Part) bool {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status", "text/delivery-status":
			return true
		}
		return false
	})
	for _, p := range parts {
		ok = true
		// The first group is the per-message fields.
		for _, f := range dsnBlocks(p.Content, 1+maxReportRecipients) {
			if len(rcpts) == maxReportRecipients {
				break
			}
			addr := dsnAddress(f["final-recipient"])
			if addr == "" {
				addr = dsnAddress(f["original-recipient"])
			}
			if addr == "" {
				continue
			}
			r := core.BouncedRecipient{
				Addr:       addr,
				Action:     strings.ToLower(firstWord(f["action"])),
				Status:     statusCode.FindString(f["status"]),
				Diagnostic: truncate(toUTF8(cleanLine(afterType(f["diagnostic-code"]))), 500),
			}
			if r.Status == "" {
				r.Status = statusCode.FindString(r.Diagnostic)
			}
			r.Permanent = isPermanent(r.Status, r.Action)
			rcpts = append(rcpts, r)
		}
	}
	return dedupeRecipients(rcpts), ok
}

// dsnBlocks splits a delivery-status body into its groups of fields
// (separated by blank lines), at most max of them, with lower-case names
// and unfolded values; the first value of a repeated field wins.
func dsnBlocks(b []byte, max int) []map[string]string {
	var blocks []map[string]string
	cur := map[string]string{}
	last := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.TrimSpace(line) == "":
			if len(cur) > 0 {
				blocks = append(blocks, cur)
				cur, last = map[string]string{}, ""
			}
			if len(blocks) == max {
				return blocks
			}
		case (line[0] == ' ' || line[0] == '\t') && last != "":
			cur[last] += " " + strings.TrimSpace(line)
		default:
			name, value, found := strings.Cut(line, ":")
			if !found {
				continue
			}
			name = strings.ToLower(strings.TrimSpace(name))
			if _, dup := cur[name]; dup {
				last = ""
				continue
			}
			cur[name], last = strings.TrimSpace(value), name
		}
	}
	if len(cur) > 0 {
		blocks = append(blocks, cur)
	}
	return blocks
}

// statusCode matches an RFC 3463 enhanced status code.
var statusCode = regexp.MustCompile(`\b[245]\.\d{1,3}\.\d{1,3}\b`)

// dsnAddress reads "rfc822; user@example.com" (the address type is
// optional in the wild) as a lower-case address, or "".
func dsnAddress(v string) string {
	v = strings.Trim(strings.TrimSpace(afterType(v)), "<>\"' ")
	if i := strings.IndexAny(v, " \t"); i >= 0 {
		v = v[:i]
	}
	if !strings.Contains(v, "@") {
		return ""
	}
	return strings.ToLower(strings.Trim(toUTF8(v), "<>"))
}

// afterType drops the "rfc822;" or "smtp;" type in front of a value.
func afterType(v string) string {
	if t, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(t, " @<") {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}

func firstWord(v string) string {
	if f := strings.Fields(v); len(f) > 0 {
		return strings.Trim(f[0], ";,()")
	}
	return ""
}

// isPermanent says whether a failure is permanent: a 5.x.x status, or a
// failed action without a status.
func isPermanent(status, action string) bool {
	if status != "" {
		return strings.HasPrefix(status, "5")
	}
	return action == "" || action == "failed"
}

// dedupeRecipients keeps the first entry of each address.
func dedupeRecipients(rs []core.BouncedRecipient) []core.BouncedRecipient {
	seen := map[string]bool{}
	out := rs[:0]
	for _, r := range rs {
		if !seen[r.Addr] {
			seen[r.Addr] = true
			out = append(out, r)
		}
	}
	return out
}

// maxReturnedIDs bounds the Message-IDs taken from one report, and
// maxReturnedHeader how much of a returned message's header is read.
const (
	maxReturnedIDs    = 10
	maxReturnedHeader = 64 << 10
)

// returnedIDs finds the Message-IDs of the message a report returns (RFC
// 3464 §2: a message/rfc822 or text/rfc822-headers part; RFC 6533's
// message/global and message/global-headers), else of the copy that
// reports without such a part append to their text: which mail the
// report is about, as far as it says (core checks it against what was
// sent). Each id once, at most maxReturnedIDs.
func returnedIDs(c content, text string) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(v string) {
		if got, _ := msgIDs(toUTF8(v)); len(got) > 0 && !seen[got[0]] && len(ids) < maxReturnedIDs {
			seen[got[0]] = true
			ids = append(ids, got[0])
		}
	}
	if c.root != nil {
		parts := c.root.DepthMatchAll(func(p *enmime.Part) bool {
			switch p.ContentType {
			case "message/rfc822", "message/global", "text/rfc822-headers", "message/global-headers":
				return true
			}
			return false
		})
		for _, p := range parts {
			add(headerField(p.Content, "message-id"))
		}
	}
	if len(ids) > 0 {
		return ids
	}
	for _, m := range inlineMessageID.FindAllStringSubmatch(text, maxReturnedIDs) {
		add(m[1])
	}
	return ids
}

// inlineMessageID is a Message-ID line of a message copied into a
// report's text, perhaps indented or quoted.
var inlineMessageID = regexp.MustCompile(`(?im)^[ \t>]*message-id:[ \t]*(<[^<>\s]{1,250}>)`)

// headerField returns the unfolded value of the first field name (lower
// case) in the header section that starts b, reading at most
// maxReturnedHeader bytes; "" when there is none.
func headerField(b []byte, name string) string {
	b = b[:min(len(b), maxReturnedHeader)]
	value, in := "", false
	for len(b) > 0 {
		var line []byte
		line, b = firstLine(b)
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			return value
		case line[0] == ' ' || line[0] == '\t':
			if in {
				value += " " + string(bytes.TrimSpace(line))
			}
		case in:
			return value
		default:
			n, v, ok := bytes.Cut(line, []byte(":"))
			if ok && strings.EqualFold(string(bytes.TrimSpace(n)), name) {
				value, in = string(bytes.TrimSpace(v)), true
			}
		}
	}
	return value
}
