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

// MaxRefs is how many distinct signed references findRefs returns: each
// costs the matching a signature check and a look-up, and an honest
// quote holds one per notice quoted, the newest first.
const MaxRefs = 10

// findRefs returns the first MaxRefs distinct signed references in the
// quoted text, in order, as "T1042-…". Only quoted text is searched: a
// customer's own words must not steer the matching. The search stops at
// the last one it keeps, so a quote of a million footers costs no more
// than a quote of ten.
func findRefs(quoted string) []string {
	var refs []string
	seen := map[string]bool{}
	for len(refs) < MaxRefs {
		loc := refLine.FindStringSubmatchIndex(quoted)
		if loc == nil {
			break
		}
		ref := strings.ToUpper(quoted[loc[2]:loc[3]])
		quoted = quoted[loc[1]:]
		if !seen[ref] {
			seen[ref] = true
			refs = append(refs, ref)
		}
	}
	return refs
}
