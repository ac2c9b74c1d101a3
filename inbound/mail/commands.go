package mail

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"helpdesk/core"
)

// MaxCommands is how many #command lines one mail yields at most; the
// command lines after them are still taken out of the text, and only
// counted. It is the ceiling of [limits] commands_per_mail, which core
// applies below it: a mail of 50,000 command lines must cost neither
// 50,000 parsed commands nor 50,000 results in the confirmation.
const MaxCommands = core.MaxCommandsPerMail

// readCommands takes the #command lines out of the customer's new text
// (docs/rules.md §6): one command per line, a '#' directly followed by a
// letter. Lines such as "#1042" or "# heading" are text, and so is
// everything inside a ``` code block. Every command line is removed from
// the text, valid or not; an invalid one is returned with Err set, so the
// customer learns why it was refused. rest is the text without them.
// Only the first MaxCommands are read; ignored counts the command lines
// after them. It runs in time linear in the text.
//
// Only the new text is passed in: quoted text never yields commands.
func readCommands(text string) (cmds []core.Command, ignored int, rest string) {
	lines := strings.Split(text, "\n")
	kept := lines[:0:0]
	fenced := false
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			fenced = !fenced
		}
		if !fenced && isCommandLine(l) {
			if len(cmds) < MaxCommands {
				cmds = append(cmds, parseCommand(l))
			} else {
				ignored++
			}
			continue
		}
		kept = append(kept, l)
	}
	if len(cmds) == 0 {
		return nil, 0, text
	}
	return cmds, ignored, trimLines(strings.Join(kept, "\n"))
}

// argReaders read the arguments of the customer's actions whose row
// cannot say how (core.Actions): the others take none or one of their
// Choices.
var argReaders = map[string]func(args string, fields []string) ([]string, string){
	"rate": func(args string, _ []string) ([]string, string) { return rateArgs(args) },
	"task": func(_ string, fields []string) ([]string, string) { return taskArgs(fields) },
	"cc":   func(_ string, fields []string) ([]string, string) { return ccArgs(fields) },
}

// isCommandLine reports whether line is a command at all: '#' and a
// letter, after blanks.
func isCommandLine(line string) bool {
	l := strings.TrimSpace(line)
	if len(l) < 2 || l[0] != '#' {
		return false
	}
	r, _ := utf8.DecodeRuneInString(l[1:])
	return unicode.IsLetter(r)
}

// parseCommand reads one line, which isCommandLine accepted. The commands
// are the actions a customer may run.
func parseCommand(line string) core.Command {
	l := strings.TrimSpace(line)
	word, args := l[1:], ""
	if i := strings.IndexFunc(word, unicode.IsSpace); i >= 0 {
		word, args = word[:i], strings.TrimSpace(word[i:])
	}
	c := core.Command{Name: strings.ToLower(truncate(word, 40)), Line: truncate(l, 500)}
	fields := strings.Fields(args)
	ac, known := core.LookupAction(c.Name)
	switch {
	case !known || !ac.May(core.ActorCustomer):
		c.Err = core.UnknownCommand(c.Name)
	case argReaders[c.Name] != nil:
		c.Args, c.Err = argReaders[c.Name](args, fields)
	case ac.Choices != nil:
		c.Args, c.Err = oneOf(c.Name, fields, ac.Choices...)
	case len(fields) > 0:
		c.Err = fmt.Sprintf("#%s takes no arguments; write it alone on its line.", c.Name)
	}
	return c
}

// oneOf checks a command that takes exactly one of a few words.
func oneOf(name string, fields []string, words ...string) ([]string, string) {
	if len(fields) == 1 {
		for _, w := range words {
			if strings.EqualFold(fields[0], w) {
				return []string{w}, ""
			}
		}
	}
	return nil, fmt.Sprintf("#%s needs one of %s, for example \"#%s %s\".", name, strings.Join(words, ", "), name, words[0])
}

// rateArgs reads "#rate 1-5 [comment]": Args is always the score and the
// comment (empty when there is none), the comment as written.
func rateArgs(args string) ([]string, string) {
	score, comment, _ := strings.Cut(args, " ")
	n, err := strconv.Atoi(strings.TrimSpace(score))
	if err != nil || n < 1 || n > 5 {
		return nil, "#rate needs a score from 1 to 5 and an optional comment, for example \"#rate 5 Quick and friendly\"."
	}
	return []string{strconv.Itoa(n), strings.TrimSpace(comment)}, ""
}

// taskArgs reads "#task N ready_to_upload|approved".
func taskArgs(fields []string) ([]string, string) {
	const usage = "#task needs a task number and ready_to_upload or approved, for example \"#task 3 approved\"."
	if len(fields) != 2 {
		return nil, usage
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil || n < 1 {
		return nil, usage
	}
	switch status := strings.ToLower(fields[1]); status {
	case "ready_to_upload", "approved":
		return []string{strconv.Itoa(n), status}, ""
	}
	return nil, usage
}

// ccArgs reads "#cc add|remove EMAIL" (docs/rules.md §1); core checks the
// address.
func ccArgs(fields []string) ([]string, string) {
	const usage = "#cc needs add or remove and an address, for example \"#cc add bob@example.com\"."
	if len(fields) != 2 || !strings.Contains(fields[1], "@") {
		return nil, usage
	}
	switch op := strings.ToLower(fields[0]); op {
	case "add", "remove":
		return []string{op, fields[1]}, ""
	}
	return nil, usage
}
