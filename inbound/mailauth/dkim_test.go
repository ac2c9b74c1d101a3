package mailauth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"helpdesk/internal/dnstest"
)

func TestVerifier_DKIM(t *testing.T) {
	zone := dnstest.Zone{
		"ed._domainkey.shop.example":  {TXT: []string{edKey().txt}},
		"rsa._domainkey.shop.example": {TXT: []string{rsaKey().txt}},
		"old._domainkey.shop.example": {TXT: []string{"v=DKIM1; k=ed25519; p="}},
		"bad._domainkey.shop.example": {ServFail: true},
		"ed._domainkey.list.example":  {TXT: []string{edKey().txt}},
	}
	v, _ := mustVerifier(t, zone, Options{})

	signed := mustSign(t, testMessage, "shop.example", "ed", edKey())
	cases := []struct {
		name    string
		msg     string
		want    Outcome
		domains []string
	}{
		{"PassEd25519", signed, Pass, []string{"shop.example"}},
		{"PassRSA", mustSign(t, testMessage, "shop.example", "rsa", rsaKey()), Pass, []string{"shop.example"}},
		{"BodyTampered", strings.Replace(signed, "all good", "all bad", 1), Fail, nil},
		{"SubjectTampered", strings.Replace(signed, "#close", "#confirm", 1), Fail, nil},
		{"NoSignature", testMessage, None, nil},
		{"KeyMissing", mustSign(t, testMessage, "shop.example", "gone", edKey()), Fail, nil},
		{"KeyRevoked", mustSign(t, testMessage, "shop.example", "old", edKey()), Fail, nil},
		{"KeyServfail", mustSign(t, testMessage, "shop.example", "bad", edKey()), TempError, nil},
		{"WrongKey", mustSign(t, testMessage, "shop.example", "ed", rsaKey()), Fail, nil},
		{"OneOfTwoPasses", mustSign(t, mustSign(t, testMessage, "shop.example", "gone", edKey()), "list.example", "ed", edKey()), Pass, []string{"list.example"}},
		{"PassBeatsTemperror", mustSign(t, signed, "shop.example", "bad", edKey()), Pass, []string{"shop.example"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := v.Verify(context.Background(), Input{Message: []byte(c.msg), FromDomain: "shop.example"})
			if got.DKIM != c.want {
				t.Fatalf("dkim=%v, want %v", got.DKIM, c.want)
			}
			if !slices.Equal(got.DKIMDomains, c.domains) {
				t.Fatalf("dkim domains=%v, want %v", got.DKIMDomains, c.domains)
			}
		})
	}
}

// A sender stacking signatures gets only the topmost MaxSignatures checked:
// a good signature below them is never reached, and DNS is asked at most
// that many times.
func TestVerifier_DKIMSignatureCap(t *testing.T) {
	zone := dnstest.Zone{"ed._domainkey.shop.example": {TXT: []string{edKey().txt}}}
	v, srv := mustVerifier(t, zone, Options{MaxSignatures: 3})

	msg := mustSign(t, testMessage, "shop.example", "ed", edKey())
	for i := range 4 {
		msg = mustSign(t, msg, "shop.example", fmt.Sprintf("junk%d", i), edKey())
	}
	got := v.Verify(context.Background(), Input{Message: []byte(msg)})
	if got.DKIM != Fail {
		t.Fatalf("dkim=%v, want %v", got.DKIM, Fail)
	}
	// Verify also ran SPF (no identity: no query) and DMARC (no From
	// domain: no query), so every query was a DKIM key lookup.
	if n := srv.Queries(); n > 3 {
		t.Fatalf("queries=%d, want at most 3", n)
	}

	v2 := New(v.res, Options{MaxSignatures: 5})
	if got := v2.Verify(context.Background(), Input{Message: []byte(msg)}); got.DKIM != Pass {
		t.Fatalf("with 5: dkim=%v, want %v", got.DKIM, Pass)
	}
}

func TestVerifier_DKIMTooLarge(t *testing.T) {
	zone := dnstest.Zone{"ed._domainkey.shop.example": {TXT: []string{edKey().txt}}}
	msg := mustSign(t, testMessage, "shop.example", "ed", edKey())
	v, _ := mustVerifier(t, zone, Options{MaxMessageBytes: len(msg) - 1})
	if got := v.Verify(context.Background(), Input{Message: []byte(msg)}); got.DKIM != Fail {
		t.Fatalf("dkim=%v, want %v", got.DKIM, Fail)
	}
}

// A header field folded over many lines is refused before DKIM reads the
// header (the library's header reader is quadratic in a field's lines):
// with 100,000 folded ids in References the check fails at once, naming
// the field, while a signed mail with an honest References still passes.
func TestVerifier_DKIMLongHeaderField(t *testing.T) {
	zone := dnstest.Zone{"ed._domainkey.shop.example": {TXT: []string{edKey().txt}}}
	v, _ := mustVerifier(t, zone, Options{})
	withRefs := func(n int) string {
		var b strings.Builder
		b.WriteString("References:")
		for i := range n {
			fmt.Fprintf(&b, "\r\n <r%d@shop.example>", i)
		}
		return b.String() + "\r\n" + testMessage
	}
	honest := mustSign(t, withRefs(100), "shop.example", "ed", edKey())
	if got := v.Verify(context.Background(), Input{Message: []byte(honest)}); got.DKIM != Pass {
		t.Fatalf("100 ids: dkim=%v, want %v", got.DKIM, Pass)
	}
	hostile := withRefs(100_000)
	c := v.checkDKIM(context.Background(), []byte(hostile))
	if c.outcome != Fail || !strings.Contains(c.reason, "header field References of") {
		t.Fatalf("100,000 ids: dkim=%v (%s), want fail naming References", c.outcome, c.reason)
	}
}

func TestLongestField(t *testing.T) {
	for _, c := range []struct {
		msg  string
		name string
		n    int
	}{
		{"", "", 0},
		{"A: 1\r\nBb: 22\r\n\r\nCcc: body line, not a header\r\n", "Bb", 8},
		{"A: 1\r\n folded\r\n\tagain\r\nB: 2\r\n\r\n", "A", 6 + 10 + 7},
		{"X: no end of header", "X", 19},
		{"\r\nAfter: blank line\r\n", "", 0},
	} {
		name, n := longestField([]byte(c.msg))
		if name != c.name || n != c.n {
			t.Errorf("longestField(%q) = %q, %d; want %q, %d", c.msg, name, n, c.name, c.n)
		}
	}
}
