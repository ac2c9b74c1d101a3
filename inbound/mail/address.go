package mail

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"helpdesk/core"
)

// addressList parses an address field's raw value into mailboxes with
// decoded names and lower-cased addresses. Raw 8-bit bytes are repaired
// first, since net/mail rejects invalid UTF-8. When the strict parse
// fails, lenientAddresses digs the addresses out so that a sloppy header
// does not cost a customer their ticket; warn says so.
func addressList(raw string) (list []core.Address, warn string) {
	raw = strings.TrimSpace(toUTF8(raw))
	if raw == "" {
		return nil, ""
	}
	parsed, err := enmime.ParseAddressList(raw)
	if err == nil {
		for _, a := range parsed {
			if addr := normalAddr(a.Address); addr != "" {
				list = append(list, core.Address{Name: cleanName(a.Name), Addr: addr})
			}
		}
		return list, ""
	}
	list = lenientAddresses(raw)
	return list, fmt.Sprintf("reading address list %q: %v", truncate(raw, 100), err)
}

// looseAddr matches an addr-spec well enough to find one in broken text.
var looseAddr = regexp.MustCompile(`[^\s<>()",;:\[\]@]+@[^\s<>()",;:\[\]@]+`)

// lenientAddresses finds every address in a value net/mail rejects. The
// display name is whatever precedes the address in its comma-separated
// element, without quotes and angle brackets.
func lenientAddresses(raw string) []core.Address {
	var list []core.Address
	for _, elem := range strings.Split(raw, ",") {
		loc := looseAddr.FindStringIndex(elem)
		if loc == nil {
			continue
		}
		addr := normalAddr(elem[loc[0]:loc[1]])
		if addr == "" {
			continue
		}
		name := strings.Trim(strings.TrimSpace(elem[:loc[0]]), `"'< `)
		if name == "" {
			// "addr (Name)" is the old comment form.
			name = strings.Trim(strings.TrimSpace(elem[loc[1]:]), `"'<>() `)
		}
		list = append(list, core.Address{Name: cleanName(name), Addr: addr})
	}
	return list
}

// cleanName decodes what is left encoded in a display name and makes it
// one line of valid UTF-8.
func cleanName(name string) string {
	name, _ = decodeHeader(name)
	return strings.Trim(name, `"' `)
}

// normalAddr lower-cases addr and returns "" unless it is a usable
// mailbox: a local part and a domain around one @, no spaces.
func normalAddr(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(toUTF8(addr)))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || strings.ContainsAny(addr, " \t\r\n<>") {
		return ""
	}
	return addr
}

// truncate shortens s to at most n bytes on a rune boundary, for warnings.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !validStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// validStart reports whether b can begin a UTF-8 sequence.
func validStart(b byte) bool { return b&0xC0 != 0x80 }
