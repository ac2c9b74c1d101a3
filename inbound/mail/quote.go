package mail

import (
	"regexp"
	"strings"
)

// splitQuote is a first cut at separating the customer's new text from
// the history and signature their client appended (RULES.md §6). It cuts
// at the earliest of:
//   - an attribution line, "On … wrote:" (also wrapped over two lines),
//     unless answers are written between the quoted lines below it;
//   - an Outlook "-----Original Message-----" line or From:/Sent: block;
//   - a signature: a "-- " line, a "--" line before a short tail, or a
//     mobile client's "Sent from my …";
//
// and then cuts a run of ">" lines (with blank lines) at the end, and an
// attribution left right above it. Inline answers are never dropped: when
// unquoted text follows a ">" block, the attribution stays and only the
// trailing quote goes. quoted is what was cut, with trailing whitespace
// trimmed like newText. When nothing would be left, text stays whole.
//
// A later, fuller trimmer is meant to replace this function alone.
func splitQuote(text string) (newText, quoted string) {
	lines := strings.Split(text, "\n")
	cut := historyStart(lines)
	cut = trailingQuoteStart(lines[:cut])
	cut = trailingAttributionStart(lines[:cut])
	newText = trimLines(strings.Join(lines[:cut], "\n"))
	if strings.TrimSpace(newText) == "" {
		return trimLines(text), ""
	}
	return newText, trimLines(strings.Join(lines[cut:], "\n"))
}

// historyStart returns the index of the first line of appended history
// or signature, or len(lines) when there is none.
func historyStart(lines []string) int {
	for i, l := range lines {
		switch {
		case isSignatureStart(l), isOriginalMessage(l), isOutlookHeader(lines, i),
			isBareDashes(lines, i):
			return i
		}
		if n := attributionLines(lines, i); n > 0 && !answersBelow(lines, i+n) {
			return i
		}
	}
	return len(lines)
}

// trailingQuoteStart returns where the run of quoted and blank lines at
// the end of lines begins, or len(lines) when lines does not end with a
// quote.
func trailingQuoteStart(lines []string) int {
	start, quotes := len(lines), 0
	for i := len(lines) - 1; i >= 0; i-- {
		switch {
		case strings.TrimSpace(lines[i]) == "":
		case isQuoteLine(lines[i]):
			start, quotes = i, quotes+1
		case quotes == 0:
			return len(lines)
		default:
			return start
		}
	}
	if quotes == 0 {
		return len(lines)
	}
	return start
}

// trailingAttributionStart returns where an attribution left at the end
// of lines begins (its quote was cut after it), or len(lines).
func trailingAttributionStart(lines []string) int {
	end := len(lines)
	for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	for _, n := range []int{1, 2} {
		if i := end - n; i >= 0 && attributionLines(lines[:end], i) == n {
			return i
		}
	}
	return len(lines)
}

// answersBelow reports whether the lines after an attribution hold inline
// answers: unquoted text after a ">" block (a signature does not count).
// History that is not ">"-quoted at all, as clients converting from HTML
// write it, is not an answer.
func answersBelow(lines []string, from int) bool {
	seenQuote := false
	for i := from; i < len(lines); i++ {
		switch l := lines[i]; {
		case strings.TrimSpace(l) == "":
		case isQuoteLine(l):
			seenQuote = true
		case !seenQuote || isSignatureStart(l) || isBareDashes(lines, i):
			return false
		default:
			return true
		}
	}
	return false
}

func isQuoteLine(l string) bool { return strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") }

var (
	// attribution matches a whole "On … wrote:" line, and its German,
	// French and Spanish forms.
	attribution = regexp.MustCompile(`(?i)^\s*(on\s.+\s(wrote|writes)|am\s.+\sschrieb\s.*|le\s.+\sa\s+écrit|el\s.+\sescribió)\s*:\s*$`)
	// attributionStart matches the first line of an attribution that the
	// client wrapped.
	attributionStart = regexp.MustCompile(`(?i)^\s*(on|am|le|el)\s`)
	originalMessage  = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original)\s*-{2,}\s*$`)
	mobileSignature  = regexp.MustCompile(`(?i)^\s*(sent (from|via|with)\s\S.{0,40}|get outlook for\s\S.{0,20}|envoyé depuis mon\s\S.{0,30}|von meinem\s\S.{0,40}\sgesendet\.?)$`)
	outlookFrom      = regexp.MustCompile(`(?i)^\s*\*?(from|von|de)\s*:`)
	outlookSent      = regexp.MustCompile(`(?i)^\s*\*?(sent|gesendet|envoyé|date)\s*:`)
	underscoreRule   = regexp.MustCompile(`^\s*_{20,}\s*$`)
)

// attributionLines returns how many lines (1 or 2) the attribution that
// starts at lines[i] spans, or 0 when none does.
func attributionLines(lines []string, i int) int {
	if attribution.MatchString(lines[i]) {
		return 1
	}
	if i+1 < len(lines) && attributionStart.MatchString(lines[i]) &&
		strings.TrimSpace(lines[i+1]) != "" &&
		attribution.MatchString(strings.TrimRight(lines[i], " ")+" "+strings.TrimLeft(lines[i+1], " ")) {
		return 2
	}
	return 0
}

// isSignatureStart matches the "-- " delimiter (RFC 3676 §4.3) and the
// one-line signatures of mobile clients.
func isSignatureStart(l string) bool {
	return l == "-- " || mobileSignature.MatchString(strings.TrimRight(l, " \t"))
}

// maxSignatureLines bounds what a "--" line without its space may start:
// quoted-printable decoding drops the space of "-- ", but a "--" line
// also separates the text parts enmime joins, so only a signature-sized
// tail is taken for a signature.
const maxSignatureLines = 8

// isBareDashes matches a "--" line followed by a short tail.
func isBareDashes(lines []string, i int) bool {
	if strings.TrimRight(lines[i], " \t") != "--" {
		return false
	}
	n := 0
	for _, l := range lines[i+1:] {
		if strings.TrimSpace(l) != "" {
			if n++; n > maxSignatureLines {
				return false
			}
		}
	}
	return n > 0
}

func isOriginalMessage(l string) bool { return originalMessage.MatchString(l) }

// isOutlookHeader matches the header block Outlook puts above the
// original: a rule of underscores before "From:", or "From:" directly
// followed by "Sent:".
func isOutlookHeader(lines []string, i int) bool {
	if i+1 >= len(lines) {
		return false
	}
	if underscoreRule.MatchString(lines[i]) {
		return outlookFrom.MatchString(lines[i+1])
	}
	return outlookFrom.MatchString(lines[i]) && outlookSent.MatchString(lines[i+1])
}
