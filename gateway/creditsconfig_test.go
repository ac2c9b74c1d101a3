package gateway

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreditsConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := LoadConfig("", nil)
		if err != nil {
			t.Fatal(err)
		}
		r := c.CoreRules().Credits
		if r.Costs != [4]int{0, 5, 10, 20} || r.Licenses["cs-cart-first"] != 50 || r.Licenses["multivendor"] != 100 ||
			len(r.Packages) != 4 || r.Packages[3].Credits != 200 || r.Packages[3].Price != "$295" || r.LotMonths != 24 {
			t.Fatalf("default credit rules %+v", r)
		}
	})
	t.Run("file and environment", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "helpdesk.toml")
		os.WriteFile(file, []byte(`
[credits]
category_2 = 12
multivendor = 120
lot_months = 12
[[credits.packages]]
credits = 40
price = "€70"
`), 0o600)
		c, err := LoadConfig(file, []string{"HELPDESK_CREDITS_CATEGORY_1=6"})
		if err != nil {
			t.Fatal(err)
		}
		r := c.CoreRules().Credits
		if r.Costs != [4]int{0, 6, 12, 20} || r.Licenses["multivendor"] != 120 || r.Licenses["cs-cart-first"] != 50 ||
			len(r.Packages) != 1 || r.Packages[0].Price != "€70" || r.LotMonths != 12 {
			t.Fatalf("credit rules %+v", r)
		}
		// The defaults are not changed for anyone else.
		if d, _ := LoadConfig("", nil); d.CoreRules().Credits.Licenses["multivendor"] != 100 {
			t.Fatal("an override leaked into the defaults")
		}
	})
	for name, body := range map[string]string{
		"negative cost":   "[credits]\ncategory_3 = -1\n",
		"empty price":     "[credits]\n[[credits.packages]]\ncredits = 25\n",
		"package of zero": "[credits]\n[[credits.packages]]\ncredits = 0\nprice = \"$1\"\n",
		"unknown key":     "[credits]\ncategory_4 = 40\n",
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "helpdesk.toml")
			os.WriteFile(file, []byte(body), 0o600)
			if _, err := LoadConfig(file, nil); err == nil || !strings.Contains(err.Error(), "credits") {
				t.Fatalf("err=%v, want a refusal naming credits", err)
			}
		})
	}
}
