package core

import (
	"regexp"
	"strings"
)

// replyPrefix matches one reply or forward prefix in the languages
// customers use (docs/rules.md §6): Re, Fwd, AW, WG, SV, VS, Antw, Rif, 回复 …,
// optionally numbered ("Re[2]:", "RE^3:") and with a full-width colon.
var replyPrefix = regexp.MustCompile(`(?i)^\s*(re|fw|fwd|aw|wg|sv|vs|vb|antw|antwort|rif|r|i|tr|enc|res|rv|odp|pd|ynt|ilt|atb|vl|doorst|fs|ref|השב|הועבר|回复|回覆|转发|轉寄|答复|返信|転送|답장|전달|ответ|пересл|отв)\s*(\[\d+\]|\^\d+)?\s*[:：]\s*`)

// CleanSubject removes any number of leading reply and forward prefixes
// and the gateway's own [#N] tag, for the subject of a new ticket.
func CleanSubject(s string) string {
	for {
		s = strings.TrimSpace(s)
		if loc := subjectTag.FindStringIndex(s); loc != nil && loc[0] == 0 {
			s = s[loc[1]:]
			continue
		}
		loc := replyPrefix.FindStringIndex(s)
		if loc == nil {
			return s
		}
		s = s[loc[1]:]
	}
}
