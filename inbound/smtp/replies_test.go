package smtp

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// OnReply hears each reply with its reason, and OnCommit the accepted
// message's time to commit.
func TestServer_OnReply(t *testing.T) {
	var mu sync.Mutex
	var replies []string
	var commits []time.Duration
	f := mustServer(t, Options{
		OnReply: func(code int, reason string) {
			mu.Lock()
			defer mu.Unlock()
			replies = append(replies, fmt.Sprintf("%d %s", code, reason))
		},
		OnCommit: func(d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			commits = append(commits, d)
		},
	})
	if err := send(t, f.addr, "ann@shop.example", []string{"nobody@elsewhere.example"}, good); smtpCode(err) != 550 {
		t.Fatalf("unknown recipient: %v", err)
	}
	if err := send(t, f.addr, "ann@shop.example", []string{"support@support.example.com"}, good); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"220 greeting", "550 unknown_recipient", "250 accepted"} {
		if !slices.Contains(replies, want) {
			t.Errorf("replies %q lack %q", replies, want)
		}
	}
	if len(commits) != 1 || commits[0] <= 0 {
		t.Errorf("commits %v, want one", commits)
	}
	for _, r := range replies {
		var code int
		var reason string
		fmt.Sscanf(r, "%d %s", &code, &reason)
		if !slices.ContainsFunc(Replies, func(p struct {
			Code   int
			Reason string
		}) bool {
			return p.Code == code && p.Reason == reason
		}) {
			t.Errorf("reply %q is not in Replies", r)
		}
	}
}
