package gateway

import (
	"fmt"
	"slices"
	"strings"

	"helpdesk/core"
)

// validateDepartments checks the [departments.NAME] keys of docs/rules.md
// §1 and §2: unknown_sender, language and subject_words.
func (c *Config) validateDepartments() []error {
	var errs []error
	words := map[string]string{}
	for _, name := range c.DepartmentNames() {
		d := c.Departments[name]
		if d.UnknownSender != "" && !slices.Contains([]string{core.UnknownOpen, core.UnknownQuarantine, core.UnknownReject}, d.UnknownSender) {
			errs = append(errs, fmt.Errorf("departments.%s.unknown_sender %q is not open, quarantine or reject", name, d.UnknownSender))
		}
		if d.Language != "" && !slices.Contains(core.Languages, d.Language) {
			errs = append(errs, fmt.Errorf("departments.%s.language %q is not %s", name, d.Language, strings.Join(core.Languages, " or ")))
		}
		for _, w := range d.SubjectWords {
			w = strings.ToLower(strings.TrimSpace(w))
			if w == "" || strings.ContainsAny(w, "[]") {
				errs = append(errs, fmt.Errorf("departments.%s.subject_words: %q is not a word", name, w))
			} else if other, dup := words[w]; dup {
				errs = append(errs, fmt.Errorf("departments.%s.subject_words: %q is %s's already", name, w, other))
			}
			words[w] = name
		}
	}
	return errs
}
