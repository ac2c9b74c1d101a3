package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// docs/rules.md §1: every customer notice is written in English or
// Russian. The language is the profile's choice, else the one the
// person's latest mail was written in, else the department's default.

// Languages of customer notices.
const (
	LangEN = "en"
	LangRU = "ru"
)

// Languages lists the languages notices are written in.
var Languages = []string{LangEN, LangRU}

// MailLanguage tells the language of a mail: its Content-Language when
// that is one of Languages, else its script, Cyrillic letters making it
// LangRU and Latin ones LangEN. It returns "" when neither tells.
func MailLanguage(e *Email) string {
	if slices.Contains(Languages, e.Language) {
		return e.Language
	}
	return scriptLanguage(e.Subject, e.Text)
}

// scriptLanguage counts the letters of the texts: more Cyrillic than
// Latin is LangRU.
func scriptLanguage(texts ...string) string {
	var cyr, lat int
	for _, s := range texts {
		c, l := countScripts(s)
		cyr += c
		lat += l
	}
	switch {
	case cyr > 0 && cyr >= lat:
		return LangRU
	case lat > 0:
		return LangEN
	}
	return ""
}

// countScripts counts the Cyrillic and the Latin letters of s. ASCII,
// most of a mail, is told without the Unicode tables: its Latin letters
// are A–Z and a–z, and it has no Cyrillic.
func countScripts(s string) (cyr, lat int) {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if 'a' <= c|0x20 && c|0x20 <= 'z' {
				lat++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case unicode.Is(unicode.Cyrillic, r):
			cyr++
		case unicode.Is(unicode.Latin, r):
			lat++
		}
	}
	return cyr, lat
}

func deptLanguage(d Department) string {
	if d.Language == "" {
		return LangEN
	}
	return d.Language
}

// languageOf is the language of notices to p about a ticket of the
// department; p is nil for a participant who is no profile.
func (s *Service) languageOf(p *Profile, department string) string {
	switch {
	case p == nil:
	case p.Language != "":
		return p.Language
	case p.MailLanguage != "":
		return p.MailLanguage
	}
	d, ok := s.table().depts[department]
	if !ok {
		d = s.table().fallback
	}
	return deptLanguage(d)
}

// senderLanguage is the language of the person behind a, who may have
// no profile (a participant from outside the account).
func (s *Service) senderLanguage(ctx context.Context, tx Tx, t *Ticket, a Actor) (string, error) {
	p := a.Profile
	if p == nil {
		var err error
		p, err = tx.ProfileByEmail(ctx, NormalizeAddress(a.ID))
		if ErrorCode(err) == ENOTFOUND {
			p, err = nil, nil
		}
		if err != nil {
			return "", err
		}
	}
	return s.languageOf(p, t.Department), nil
}

// learnLanguage records the language of a known person's mail on their
// profile, so later notices (a status change days later) use it.
func (s *Service) learnLanguage(ctx context.Context, tx Tx, p *Profile, e *Email) error {
	lang := MailLanguage(e)
	if lang == "" || lang == p.MailLanguage {
		return nil
	}
	p.MailLanguage = lang
	return tx.UpdateProfile(ctx, p)
}

// langAction is the customer's #lang en|ru: the language of every later
// notice to the profile that wrote it.
func (s *Service) langAction(ctx context.Context, tx Tx, t *Ticket, a Actor, args []string, _ time.Time) (string, error) {
	p := a.Profile
	if p == nil {
		var err error
		if p, err = tx.ProfileByEmail(ctx, NormalizeAddress(a.ID)); err != nil {
			return "", err
		}
	}
	lang := strings.ToLower(args[0])
	if !slices.Contains(Languages, lang) {
		return "", Errorf(EINVALID, "usage: lang %s", strings.Join(Languages, "|"))
	}
	p.Language = lang
	if err := tx.UpdateProfile(ctx, p); err != nil {
		return "", err
	}
	if lang == LangRU {
		return "мы будем писать вам по-русски", nil
	}
	return fmt.Sprintf("we will write to %s in English", p.Email), nil
}

// quietTemplate reports whether a notice is one a profile with
// notifications off does not get (docs/rules.md §1): the gateway's own
// news. Staff answers, the results of the person's own commands and a
// charge waiting for their decision still go.
func quietTemplate(template string) bool {
	switch template {
	case TemplateAck, TemplateStatus, TemplateSplit:
		return true
	}
	return false
}

// commandResult is what one #command of a mail did.
type commandResult struct {
	line string
	ok   bool
	res  string // what was done, when ok
	why  string // why not, when not ok
}

// commandResults are the lines of the commands notice, in the language
// of the person who sent the commands. In Russian a command done is said
// so without the English sentence of what it did (the command line says
// it); refusals keep their reason, which the action table words in
// English.
func commandResults(done []commandResult, lang string) []string {
	ru := lang == LangRU
	var out []string
	for _, r := range done {
		r.line = Excerpt(r.line, commandEchoBytes)
		switch {
		case ru && r.ok:
			out = append(out, r.line+": выполнено")
		case ru:
			out = append(out, r.line+": не выполнено: "+r.why)
		case r.ok:
			out = append(out, fmt.Sprintf("%s: done: %s", r.line, r.res))
		default:
			out = append(out, fmt.Sprintf("%s: not done: %s", r.line, r.why))
		}
	}
	return out
}
