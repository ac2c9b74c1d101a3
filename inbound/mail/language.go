package mail

import "strings"

// contentLanguage is the primary tag of the first language in a
// Content-Language field (RFC 3282), lower case: "ru" for "ru-RU, en".
func contentLanguage(c content) string {
	v, _ := headerValue(c.header, "Content-Language")
	first, _, _ := strings.Cut(toUTF8(v), ",")
	tag, _, _ := strings.Cut(strings.TrimSpace(first), "-")
	return strings.ToLower(strings.TrimSpace(tag))
}
