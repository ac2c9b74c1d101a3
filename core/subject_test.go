package core

import "testing"

func TestCleanSubject(t *testing.T) {
	for in, want := range map[string]string{
		"Checkout is blank":           "Checkout is blank",
		"Re: Checkout is blank":       "Checkout is blank",
		"RE: Fwd: AW: WG: Checkout":   "Checkout",
		"SV: VS: Antw: Rif: Checkout": "Checkout",
		"回复：结账页面空白":                   "结账页面空白",
		"Re[2]: Checkout":             "Checkout",
		"Re: [#12] Checkout":          "Checkout",
		"Réunion: agenda":             "Réunion: agenda",
		"Invoice: 2026-11":            "Invoice: 2026-11",
		"  re :  TR: Enc: Checkout  ": "Checkout",
		"Ответ: Счёт":                 "Счёт",
	} {
		if got := CleanSubject(in); got != want {
			t.Errorf("CleanSubject(%q) = %q, want %q", in, got, want)
		}
	}
}
