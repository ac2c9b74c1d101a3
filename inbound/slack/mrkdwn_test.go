package slack

import "testing"

func TestPlainText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"Plain", "Hello there", "Hello there"},
		{"Escapes", "a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"},
		{"EscapedEntity", "&amp;lt;", "&lt;"},
		{"LinkWithLabel", "see <https://x.example/a?b=1|the docs>", "see the docs (https://x.example/a?b=1)"},
		{"BareLink", "<https://x.example>", "https://x.example"},
		{"Mailto", "<mailto:ann@shop.example|ann@shop.example>", "ann@shop.example"},
		{"Mention", "ask <@U0BOB|bob> or <@U0DANA>", "ask @bob or @U0DANA"},
		{"Channel", "in <#C0SUP|support>", "in #support"},
		{"Special", "<!here> and <!subteam^S123|@team>", "@here and @team"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := plainText(c.in); got != c.want {
				t.Fatalf("plainText(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestMentionID(t *testing.T) {
	for in, want := range map[string]string{"<@U0BOB>": "U0BOB", "<@W12|x>": "W12", "@bob": "", "<#C1>": "", "<@U0BOB> x": ""} {
		got, ok := mentionID(in)
		if got != want || ok != (want != "") {
			t.Errorf("mentionID(%q) = %q, %v", in, got, ok)
		}
	}
}
