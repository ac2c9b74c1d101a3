package mail

import (
	"regexp"
	"strings"
)

// refLine matches the signed reference every notification carries in its
// footer (docs/rules.md §6, "Ref: T1042-AEAQDX65TIY65WRRNMD3C"). The token is
// upper-case base32 as written; letters and digits are accepted, and
// lower case is folded, because core verifies the signature and a
// client that re-cased the footer should not cost the match.
var refLine = regexp.MustCompile(`(?i)\bref:[ \t]*(t\d{1,18}-[a-z0-9]{4,64})\b`)

// findRefs returns the distinct signed references in the quoted text, in
// order, as "T1042-…". Only quoted text is searched: a customer's own
// words must not steer the matching.
func findRefs(quoted string) []string {
	var refs []string
	seen := map[string]bool{}
	for _, m := range refLine.FindAllStringSubmatch(quoted, -1) {
		ref := strings.ToUpper(m[1])
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	return refs
}
