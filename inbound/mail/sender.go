package mail

import (
	"fmt"
	"net/textproto"

	"helpdesk/core"
)

// Messages of the EINVALID errors for a From field that names no one
// sender (RFC 5322 §3.6.2), sent back over SMTP.
const (
	msgSeveralFrom      = "message has several From addresses and no Sender field naming the one who sent it (RFC 5322 section 3.6.2)"
	msgSeveralFromMulti = "message has several From addresses and a Sender field with more than one address (RFC 5322 section 3.6.2)"
)

// sender returns the mailbox that sent a mail: the one mailbox of its
// From field (or fields, which RFC 5322 allows one of). When From names
// several, RFC 5322 requires a Sender field with the one mailbox that
// sent it, and that is the sender: the one that acts, is checked and is
// answered. Several From mailboxes and no usable Sender are an EINVALID
// error: taking the first would let anyone act as whoever they name
// first. from is zero when From has no usable address.
func sender(h textproto.MIMEHeader) (from core.Address, warns []string, err error) {
	var list []core.Address
	for _, v := range h.Values("From") {
		l, w := addressList(v)
		list = append(list, l...)
		warns = append(warns, w)
	}
	list = distinct(list)
	if len(list) <= 1 {
		if len(list) == 1 {
			from = list[0]
		}
		return from, warns, nil
	}
	v, _ := headerValue(h, "Sender")
	snd, w := addressList(v)
	warns = append(warns, w)
	switch snd = distinct(snd); len(snd) {
	case 0:
		return core.Address{}, warns, invalid(msgSeveralFrom)
	case 1:
		warns = append(warns, fmt.Sprintf("From names %d addresses; the Sender %s sent it", len(list), snd[0].Addr))
		return snd[0], warns, nil
	}
	return core.Address{}, warns, invalid(msgSeveralFromMulti)
}

// distinct drops the repeats of an address (the same person twice is
// still one sender), keeping the first.
func distinct(list []core.Address) []core.Address {
	seen := map[string]bool{}
	out := list[:0]
	for _, a := range list {
		if !seen[a.Addr] {
			seen[a.Addr] = true
			out = append(out, a)
		}
	}
	return out
}

// maxDeliveredTo bounds the addresses taken from the delivery fields.
const maxDeliveredTo = 10

// deliveredTo returns the addresses of the Delivered-To and X-Original-To
// fields, in order, at most maxDeliveredTo.
func deliveredTo(h textproto.MIMEHeader) []string {
	var out []string
	for _, name := range []string{"Delivered-To", "X-Original-To"} {
		for _, v := range h.Values(name) {
			l, _ := addressList(v)
			for _, a := range l {
				if len(out) == maxDeliveredTo {
					return out
				}
				out = append(out, a.Addr)
			}
		}
	}
	return out
}
