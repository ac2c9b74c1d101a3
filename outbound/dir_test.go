package outbound

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDir_Send(t *testing.T) {
	d := Dir(filepath.Join(t.TempDir(), "mail", "out")) // created by Send
	ctx := context.Background()
	for i, msg := range []string{"first\r\n", "second\r\n"} {
		if err := d.Send(ctx, "a@b.test", []string{"c@d.test"}, []byte(msg), "t1.ack@support.example.com"); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if err := d.Send(ctx, "a@b.test", []string{"c@d.test"}, []byte("other\r\n"), "t2.ack@support.example.com"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(string(d))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Fatalf("files = %v, want one per Message-ID and no temp files", names)
	}
	got, err := os.ReadFile(d.Path("t1.ack@support.example.com"))
	if err != nil || string(got) != "second\r\n" {
		t.Fatalf("file = %q, %v; want the resend", got, err)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ id, want string }{
		{"t1.ack@support.example.com", "t1.ack@support.example.com"},
		{"../../etc/passwd", ""},
		{"a/b@c", ""},
		{"a_b@c", "a_b@c"},
		{"", ""},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		got := fileName(tc.id)
		if tc.want != "" && got != tc.want {
			t.Errorf("fileName(%q) = %q, want %q", tc.id, got, tc.want)
		}
		if got == "" || strings.ContainsAny(got, `/\`) || strings.HasPrefix(got, ".") {
			t.Errorf("fileName(%q) = %q, not a safe name", tc.id, got)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("fileName(%q) = fileName(%q) = %q", tc.id, other, got)
		}
		seen[got] = tc.id
	}
	if long := fileName(strings.Repeat("x", 1000) + "@y"); len(long) > 200 {
		t.Errorf("fileName of a long id has %d bytes", len(long))
	}
}

func readDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, err
}
