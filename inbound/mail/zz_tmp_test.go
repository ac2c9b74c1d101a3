package mail

import "testing"

func BenchmarkTmpClassifyLine(b *testing.B) {
	lines := []string{
		"Line 17 of the customer's description of what went wrong with order 12345.",
		"Hello, I tried to pay for my order but the checkout page is blank.",
		"Could you please have a look? Thanks, Jane",
		"",
	}
	for b.Loop() {
		for _, l := range lines {
			classifyLine(l)
		}
	}
}
