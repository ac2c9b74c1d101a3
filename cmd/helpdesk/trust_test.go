package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"helpdesk/core"
	"helpdesk/gateway"
	"helpdesk/internal/demo"
	"helpdesk/internal/dnstest"
	"helpdesk/outbound"
)

// trustEnv is the demo gateway signing its mail with a new key of alg,
// published in the demo's DNS.
type trustEnv struct {
	*demo.Env
	t        *testing.T
	dkimName string // where the gateway's key is published
	dkimTXT  string
	db       []string // the CLI's environment
}

func mustTrustEnv(t *testing.T, alg string) *trustEnv {
	t.Helper()
	ctx := context.Background()
	pemBytes, txt, err := outbound.GenerateDKIMKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(keyFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := demo.StartWith(ctx, t.TempDir(), slog.New(slog.NewTextHandler(testWriter{t}, nil)), func(c *gateway.Config) {
		c.Mail.DKIMDomain, c.Mail.DKIMSelector, c.Mail.DKIMKeyFile = "support.example.com", "hd1", keyFile
		// The tests change records between mails; the cache would keep
		// the old ones for a minute.
		c.Auth.DNSCache = gateway.Duration{}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { env.Close(ctx) })
	e := &trustEnv{Env: env, t: t, dkimName: "hd1._domainkey.support.example.com", dkimTXT: txt,
		db: []string{"HELPDESK_STORE_PATH=" + env.App.Config().Store.Path, "HELPDESK_AUTH_DNS=" + env.DNS.Addr(),
			"HELPDESK_MAIL_DKIM_DOMAIN=support.example.com", "HELPDESK_MAIL_DKIM_SELECTOR=hd1", "HELPDESK_MAIL_DKIM_KEY_FILE=" + keyFile}}
	env.DNS.Set(e.dkimName, dnstest.Records{TXT: []string{txt}})
	return e
}

func (e *trustEnv) cli(args ...string) string {
	e.t.Helper()
	var out bytes.Buffer
	if err := Run(context.Background(), args, &out, io.Discard, e.db); err != nil {
		e.t.Fatalf("helpdesk %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func (e *trustEnv) mails(n int) []demo.CapturedMail {
	e.t.Helper()
	if !demo.WaitFor(func() bool { return len(e.Relay.Mail()) >= n }) {
		e.t.Fatalf("relay has %d mails, want %d", len(e.Relay.Mail()), n)
	}
	return e.Relay.Mail()
}

func (e *trustEnv) send(envFrom, msg string) {
	e.t.Helper()
	if err := e.Send(envFrom, []string{"support@support.example.com"}, msg); err != nil {
		e.t.Fatalf("send: %v", err)
	}
}

// ticketJSON reads `ticket show N --json` into v.
func (e *trustEnv) ticketJSON(n string, v any) {
	e.t.Helper()
	if err := json.Unmarshal([]byte(e.cli("ticket", "show", n, "--json")), v); err != nil {
		e.t.Fatal(err)
	}
}

type trustTicket struct {
	Priority string `json:"priority"`
	Credits  struct {
		Charged              int  `json:"charged"`
		AwaitingConfirmation bool `json:"awaiting_confirmation"`
	} `json:"credits"`
	Messages []struct {
		Direction string    `json:"direction"`
		Auth      *authView `json:"auth"`
	} `json:"messages"`
}

type authView struct {
	DMARC, SPF, DKIM string
	Authenticated    bool
}

// lastInbound is the sender check of the ticket's last inbound message.
func (tj *trustTicket) lastInbound() *authView {
	for i := len(tj.Messages) - 1; i >= 0; i-- {
		if tj.Messages[i].Direction == core.DirInbound {
			return tj.Messages[i].Auth
		}
	}
	return nil
}

// TestTrust_EndToEnd: over real SMTP, with shop.example's SPF, DKIM and
// DMARC records served by a real DNS server (docs/rules.md §6):
//
//   - a forged From: ann@shop.example with [#1] and #confirm charges
//     nothing, and the refusal goes to Ann, not to the forger's Reply-To;
//   - the same mail DKIM-signed by shop.example charges;
//   - a forged mail to the reply token of Ann's notice is obeyed;
//   - a DMARC p=reject failure is quarantined;
//   - the gateway's own mail is DKIM-signed (TestTrust_OutboundDKIM).
func TestTrust_EndToEnd(t *testing.T) {
	ctx := context.Background()
	e := mustTrustEnv(t, "rsa")
	const ann = "ann@shop.example"
	err := e.App.DB.Tx(ctx, func(tx core.Tx) error {
		a := &core.Account{Kind: core.AccountPresales, Name: "Shop", CreatedAt: time.Now()}
		if err := tx.CreateAccount(ctx, a); err != nil {
			return err
		}
		return tx.CreateProfile(ctx, &core.Profile{AccountID: a.ID, Email: ann, Name: "Ann", Role: core.RolePrimary, CreatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	e.cli("credits", "grant", ann, "--license", "cs-cart-first")

	// Ann's own mail, from a host her SPF lists (the demo's zone).
	e.send(ann, "From: Ann <ann@shop.example>\r\nTo: support@support.example.com\r\nSubject: Checkout is blank\r\n"+
		"Message-ID: <trust-1@shop.example>\r\n\r\nThe checkout page is white.\r\n")
	e.mails(1)
	e.cli("ticket", "act", "1", "category", "2", "--agent", "U0AGENT")
	e.cli("ticket", "act", "1", "reply", "Clear the cache.", "--agent", "U0AGENT")
	h, _ := mustReadMail(t, e.mails(2)[1].Data)
	rt, _ := h.AddressList("Reply-To")
	if len(rt) != 1 {
		t.Fatalf("cost notice Reply-To %q", h.Get("Reply-To"))
	}
	replyTo := rt[0].Address

	// From now on shop.example's SPF lists another host, and it signs
	// its mail with a key of its own.
	e.DNS.Set("shop.example", dnstest.Records{TXT: []string{"v=spf1 ip4:192.0.2.1 -all"}})
	shopKey, shopTXT, err := outbound.GenerateDKIMKey("rsa")
	if err != nil {
		t.Fatal(err)
	}
	shop, err := outbound.NewDKIMSignerPEM("shop.example", "s1", shopKey)
	if err != nil {
		t.Fatal(err)
	}
	e.DNS.Set(shop.RecordName(), dnstest.Records{TXT: []string{shopTXT}})
	confirm := func(id string) string {
		return "From: Ann <ann@shop.example>\r\nReply-To: eve@evil.example\r\nTo: support@support.example.com\r\n" +
			"Subject: Re: [#1] Checkout is blank\r\nMessage-ID: <" + id + "@shop.example>\r\n\r\n#confirm\r\n"
	}

	// 1. Forged: nothing is charged; Ann is told.
	e.send(ann, confirm("forged-1"))
	var tj trustTicket
	e.ticketJSON("1", &tj)
	if tj.Credits.Charged != 0 || !tj.Credits.AwaitingConfirmation {
		t.Fatalf("after a forged #confirm: %+v, want nothing charged", tj.Credits)
	}
	refusal := e.mails(3)[2]
	_, parts := mustReadMail(t, refusal.Data)
	if len(refusal.To) != 1 || refusal.To[0] != ann || !strings.Contains(parts["text/plain"], "#confirm: not done") {
		t.Fatalf("refusal to %v:\n%s", refusal.To, parts["text/plain"])
	}
	if a := tj.lastInbound(); a == nil || a.DMARC != "fail" || a.SPF != "fail" || a.DKIM != "none" || a.Authenticated {
		t.Fatalf("forged mail's auth %+v, want dmarc fail, spf fail, dkim none", a)
	}
	if out := e.cli("ticket", "show", "1"); !strings.Contains(out, "⚠ sender shop.example: not authenticated (DMARC fail)") {
		t.Fatalf("ticket show lacks the sender line:\n%s", out)
	}

	// 2. The same mail signed by shop.example: charged.
	signed, err := shop.Sign([]byte(confirm("signed-1")))
	if err != nil {
		t.Fatal(err)
	}
	e.send(ann, string(signed))
	e.ticketJSON("1", &tj)
	if tj.Credits.Charged != 10 {
		t.Fatalf("after a signed #confirm: %+v, want 10 charged", tj.Credits)
	}
	if a := tj.lastInbound(); a == nil || a.DMARC != "pass" || a.DKIM != "pass" || !a.Authenticated {
		t.Fatalf("signed mail's auth %+v, want dmarc and dkim pass", a)
	}

	// 3. Forged, but to the reply token of Ann's notice: the token is
	// the proof.
	if err := e.Send(ann, []string{replyTo}, "From: Ann <ann@shop.example>\r\nTo: "+replyTo+"\r\n"+
		"Subject: Re: [#1] Checkout is blank\r\nMessage-ID: <forged-2@shop.example>\r\n\r\n#priority major\r\n"); err != nil {
		t.Fatal(err)
	}
	if e.ticketJSON("1", &tj); tj.Priority != "major" {
		t.Fatalf("priority %s after #priority major by the reply token, want major", tj.Priority)
	}

	// 4. A domain that publishes p=reject, failed: quarantined.
	e.DNS.Set("bank.example", dnstest.Records{TXT: []string{"v=spf1 -all"}})
	e.DNS.Set("_dmarc.bank.example", dnstest.Records{TXT: []string{"v=DMARC1; p=reject"}})
	e.send("ceo@bank.example", "From: CEO <ceo@bank.example>\r\nTo: support@support.example.com\r\n"+
		"Subject: Wire the refund\r\nMessage-ID: <reject-1@bank.example>\r\n\r\nNow.\r\n")
	if out := e.cli("quarantine", "list"); !strings.Contains(out, "p=reject") {
		t.Fatalf("quarantine list:\n%s", out)
	}
	if rows := mustTickets(t, e.Env); len(rows) != 1 {
		t.Fatalf("%d tickets, want 1: the p=reject failure opened one", len(rows))
	}

	for _, m := range e.mails(5) {
		for _, to := range m.To {
			if to != ann {
				t.Fatalf("a mail went to %s", to)
			}
		}
	}
	resp, err := http.Get("http://" + e.App.HTTPAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`helpdesk_mail_auth_total{authenticated="false",result="fail"} 3`,
		`helpdesk_mail_auth_total{authenticated="true",result="pass"} 2`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestTrust_OutboundDKIM: the gateway's acknowledgment verifies with the
// published key, by go-msgauth and by Python's dkimpy, for both key
// types; `channel verify relay` finds the published key.
func TestTrust_OutboundDKIM(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			e := mustTrustEnv(t, alg)
			e.send("ann@shop.example", "From: Ann <ann@shop.example>\r\nTo: support@support.example.com\r\n"+
				"Subject: Hello\r\nMessage-ID: <dkim-1@shop.example>\r\n\r\nHi.\r\n")
			ack := e.mails(1)[0].Data
			r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, e.DNS.Addr())
			}}
			v, err := dkim.VerifyWithOptions(bytes.NewReader(ack), &dkim.VerifyOptions{
				LookupTXT: func(name string) ([]string, error) { return r.LookupTXT(context.Background(), name+".") },
			})
			if err != nil || len(v) != 1 || v[0].Err != nil || v[0].Domain != "support.example.com" {
				t.Fatalf("go-msgauth: %+v, %v; want one pass for support.example.com", v, err)
			}
			pyDKIMVerify(t, ack, e.dkimName, e.dkimTXT)

			if out := e.cli("channel", "verify", "relay"); !strings.Contains(out, "dkim "+e.dkimName+": ok") {
				t.Fatalf("channel verify relay:\n%s", out)
			}
			e.DNS.Set(e.dkimName, dnstest.Records{TXT: []string{"v=DKIM1; k=rsa; p=AAAA"}})
			var out bytes.Buffer
			if err := Run(context.Background(), []string{"channel", "verify", "relay"}, &out, io.Discard, e.db); err == nil ||
				!strings.Contains(err.Error(), "does not hold the key") {
				t.Fatalf("channel verify relay with another key published: %v\n%s", err, out.String())
			}
		})
	}
}

// pyDKIMVerify checks msg with Debian's python3-dkim; skipped when it is
// not installed, unless HELPDESK_REQUIRE_PYDKIM=1.
func pyDKIMVerify(t *testing.T, msg []byte, name, record string) {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import dkim").Run(); err != nil {
		why := "needs " + python + " with the dkim module (apt-get install python3-dkim): " + err.Error()
		if os.Getenv("HELPDESK_REQUIRE_PYDKIM") == "1" {
			t.Fatal(why)
		}
		t.Log(why)
		return
	}
	const script = `
import dkim, sys
name, record = sys.argv[1].encode(), sys.argv[2].encode()
def dnsfunc(qname, timeout=5):
    return record if qname.rstrip(b".").lower() == name else None
print("pass" if dkim.verify(sys.stdin.buffer.read(), dnsfunc=dnsfunc) else "fail")
`
	cmd := exec.Command(python, "-c", script, name, record)
	cmd.Stdin = bytes.NewReader(msg)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "pass" {
		t.Fatalf("dkimpy: %v: %s", err, out)
	}
}

// TestDKIMKeygen: the key file is new and private, and the record printed
// publishes its key.
func TestDKIMKeygen(t *testing.T) {
	for _, alg := range []string{"rsa", "ed25519"} {
		t.Run(alg, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.pem")
			var out bytes.Buffer
			args := []string{"dkim", "keygen", "--alg", alg, "--out", path, "--selector", "s2", "--domain", "help.example"}
			if err := Run(context.Background(), args, &out, io.Discard, nil); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v, mode %v", err, st.Mode())
			}
			s, err := outbound.NewDKIMSigner("help.example", "s2", path)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := outbound.DKIMRecord(s.Public())
			if !strings.Contains(out.String(), "name:  s2._domainkey.help.example\n  value: "+want+"\n") {
				t.Fatalf("output:\n%s", out.String())
			}
			if err := Run(context.Background(), args, io.Discard, io.Discard, nil); err == nil {
				t.Fatal("keygen overwrote an existing key file")
			}
		})
	}
}
