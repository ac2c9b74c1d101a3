package core

import (
	"regexp"
	"slices"
	"strings"
)

// docs/rules.md §2: a leading [sales], [project] or [support] in a new
// mail's subject, or one of a department's subject_words, sets the new
// ticket's type and department, and is removed from its subject.

// subjectWord matches a leading "[word]" of a subject.
var subjectWord = regexp.MustCompile(`^\s*\[\s*([\p{L}\p{N}_-]+)\s*\]\s*`)

// typedDepartment reads the subject's leading [word]. It returns the
// department and type it names, and the subject without it; ok is false
// when the subject starts with no such word.
func (s *Service) typedDepartment(subject string) (dept, typ, rest string, ok bool) {
	m := subjectWord.FindStringSubmatchIndex(subject)
	if m == nil {
		return "", "", subject, false
	}
	word := strings.ToLower(subject[m[2]:m[3]])
	rest = strings.TrimSpace(subject[m[1]:])
	for _, name := range s.deptNames() {
		for _, w := range s.table().depts[name].SubjectWords {
			if strings.EqualFold(strings.TrimSpace(w), word) {
				return name, typeOf(name), rest, true
			}
		}
	}
	byType := map[string]string{"support": TypeSupport, "sales": TypeSales, "project": TypeProject}
	typ, ok = byType[word]
	if !ok {
		return "", "", subject, false
	}
	// The department of the type, when it is configured; else the
	// ticket keeps the department its address gave, with the type asked.
	for _, name := range s.deptNames() {
		if typeOf(name) == typ {
			return name, typ, rest, true
		}
	}
	return "", typ, rest, true
}

// deptNames lists the departments, the fallback first, then by name.
func (s *Service) deptNames() []string {
	t := s.table()
	names := []string{t.fallback.Name}
	var rest []string
	for n := range t.depts {
		if n != t.fallback.Name {
			rest = append(rest, n)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// typeSubject applies a leading [word] of a new ticket's subject: it
// returns the department and type, and the subject to store.
func (s *Service) typeSubject(dept, subject string) (string, string, string) {
	d, typ, rest, ok := s.typedDepartment(subject)
	if !ok {
		return dept, typeOf(dept), subject
	}
	if d == "" {
		d = dept
	}
	if rest == "" {
		rest = "(no subject)"
	}
	return d, typ, rest
}
