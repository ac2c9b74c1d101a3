package demo

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// The demo and the end-to-end tests play Slack calling the gateway: an
// Events API request signed with the app's signing secret, as Slack
// signs it (v0, HMAC-SHA256 over "v0:timestamp:body").

// SigningSecret is the demo's [slack] signing_secret.
const SigningSecret = "demo-signing-secret"

// SlackThreadReply is the Events API callback Slack sends when user
// writes text in the thread threadTS of channel.
func SlackThreadReply(eventID, user, channel, threadTS, ts, text string) string {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T0DEMO", "api_app_id": "A0DEMO", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(),
		"event": map[string]any{"type": "message", "user": user, "text": text, "ts": ts, "thread_ts": threadTS,
			"channel": channel, "channel_type": "channel", "event_ts": ts},
	})
	return string(b)
}

// PostSlack sends body to the gateway's path, signed with secret at the
// real clock's time, and returns the answer's status and body.
func PostSlack(ctx context.Context, addr, path, contentType, body, secret string) (int, string, error) {
	return PostSlackAt(ctx, addr, path, contentType, body, secret, time.Now())
}

// PostSlackAt is PostSlack signed as if sent at the given time.
func PostSlackAt(ctx context.Context, addr, path, contentType, body, secret string, at time.Time) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(b), err
}

// slackAnswer is the demo's step 6: Dana answers in the ticket's
// Slack thread, and Ann receives the answer by email.
func slackAnswer(ctx context.Context, env *Env, channel, threadTS string, p func(string, ...any)) error {
	p("\n6. Dana answers in the ticket's Slack thread (Slack sends the gateway a signed Events API request)")
	before := len(env.Relay.Mail())
	body := SlackThreadReply("Ev0DEMO1", "U0AGENT", channel, threadTS, "1800000000.000100",
		"Thanks Ann! Please switch PayPal to the new checkout in *Settings &gt; Payments* and try again.")
	code, _, err := PostSlack(ctx, env.App.HTTPAddr, "/slack/events", "application/json", body, SigningSecret)
	if err != nil {
		return fmt.Errorf("demo: post the Slack event: %w", err)
	}
	p("   POST /slack/events (signature verified): %d", code)
	// Slack delivers again when it missed the answer; the retry changes nothing.
	code, _, err = PostSlack(ctx, env.App.HTTPAddr, "/slack/events", "application/json", body, SigningSecret)
	if err != nil {
		return fmt.Errorf("demo: post the Slack event again: %w", err)
	}
	p("   the same event delivered again (a Slack retry): %d, recognised by its event_id", code)
	if !WaitFor(func() bool { return len(env.Relay.Mail()) > before }) {
		return fmt.Errorf("demo: the answer written in Slack was not mailed")
	}
	if _, err := env.App.Worker.Drain(ctx); err != nil {
		return err
	}
	mails := env.Relay.Mail()
	m := mails[len(mails)-1]
	h, err := readHeader(m.Data)
	if err != nil {
		return err
	}
	subject, _ := h.Subject()
	p("   mailed to %s (%d mail for this answer)", strings.Join(m.To, ", "), len(mails)-before)
	p("     Subject:     %s", subject)
	p("     In-Reply-To: %s", h.Get("In-Reply-To"))
	text, err := PlainPart(m.Data)
	if err != nil {
		return err
	}
	if i := strings.Index(text, "Thanks Ann!"); i >= 0 {
		line, _, _ := strings.Cut(text[i:], "\n")
		p("     text:        %s", strings.TrimSpace(line))
	}
	return nil
}

// PlainPart returns the text/plain part of a mail the relay captured.
func PlainPart(raw []byte) (string, error) {
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("read captured mail: %w", err)
	}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", fmt.Errorf("read captured mail: %w", err)
		}
		if ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct == "text/plain" {
			b, err := io.ReadAll(part.Body)
			return string(b), err
		}
	}
}
