package mailauth

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestOutcomeOf(t *testing.T) {
	cases := map[string]Outcome{
		"pass": Pass, "PASS": Pass,
		"fail": Fail, "hardfail": Fail, "softfail": Fail, "permerror": Fail, "policy": Fail,
		"none": None, "neutral": None, "": None, "bogus": None,
		"temperror": TempError,
	}
	for in, want := range cases {
		if got := outcomeOf(in); got != want {
			t.Errorf("outcomeOf(%q)=%v, want %v", in, got, want)
		}
	}
}

func TestAligned(t *testing.T) {
	cases := []struct {
		auth, from string
		strict     bool
		want       bool
	}{
		{"shop.example", "shop.example", true, true},
		{"Shop.Example.", "shop.example", true, true},
		{"shop.example", "mail.shop.example", true, false},
		{"shop.example", "mail.shop.example", false, true},
		{"bounce.shop.example", "news.shop.example", false, true},
		{"other.example", "shop.example", false, false},
		{"a.co.uk", "b.co.uk", false, false},
		{"mail.a.co.uk", "a.co.uk", false, true},
		{"", "shop.example", false, false},
	}
	for _, c := range cases {
		if got := Aligned(c.auth, c.from, c.strict); got != c.want {
			t.Errorf("Aligned(%q, %q, strict=%v)=%v, want %v", c.auth, c.from, c.strict, got, c.want)
		}
	}
	if got := OrgDomain("a.b.shop.example"); got != "shop.example" {
		t.Errorf("OrgDomain=%q, want shop.example", got)
	}
}

// The stored JSON is an external contract.
func TestResult_JSON(t *testing.T) {
	r := Result{DMARC: Pass, SPF: None, DKIM: Pass, Domain: "shop.example", Policy: PolicyReject, DKIMDomains: []string{"shop.example"}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"dmarc":"pass","spf":"none","dkim":"pass","domain":"shop.example","policy":"reject","dkim_domains":["shop.example"]}`
	if string(b) != want {
		t.Fatalf("json=%s\nwant %s", b, want)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip=%+v, want %+v", back, r)
	}

	// The contract's own example decodes, and its verdict survives.
	var ex Result
	if err := json.Unmarshal([]byte(`{"dmarc":"pass","spf":"none","dkim":"pass","domain":"shop.example","policy":"reject"}`), &ex); err != nil {
		t.Fatal(err)
	}
	if !ex.Authenticated() {
		t.Fatalf("authenticated=false after decoding a dmarc pass")
	}

	// Without DMARC the alignment fields carry the verdict across storage.
	nodmarc := Result{DMARC: None, SPF: Pass, SPFDomain: "bounce.shop.example", DKIM: None, Domain: "shop.example"}
	b, _ = json.Marshal(nodmarc)
	var back2 Result
	if err := json.Unmarshal(b, &back2); err != nil {
		t.Fatal(err)
	}
	if !back2.Authenticated() {
		t.Fatalf("authenticated=false after round trip of %s", b)
	}

	if b, _ := json.Marshal(Result{}); string(b) != `{"dmarc":"none","spf":"none","dkim":"none","domain":""}` {
		t.Fatalf("zero json=%s", b)
	}
	if err := json.Unmarshal([]byte(`{"dmarc":"softfail"}`), &back); err == nil {
		t.Fatalf("decoding an outcome outside the contract: no error")
	}
}
