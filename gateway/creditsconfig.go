package gateway

import (
	"fmt"
	"strings"

	"helpdesk/core"
)

// CreditsConfig is the [credits] table: the numbers of docs/rules.md §5. Zero
// keeps the default; packages, when given, replace the default ones.
type CreditsConfig struct {
	Category1        int             `toml:"category_1"` // credits a category 1 ticket costs (5)
	Category2        int             `toml:"category_2"` // (10)
	Category3        int             `toml:"category_3"` // (20)
	CSCartFirst      int             `toml:"cs_cart_first"`
	CSCartAdditional int             `toml:"cs_cart_additional"`
	CSCartStorefront int             `toml:"cs_cart_storefront"`
	Multivendor      int             `toml:"multivendor"`
	LotMonths        int             `toml:"lot_months"` // a lot expires this many months after it was added (24)
	Packages         []PackageConfig `toml:"packages"`
}

// PackageConfig is one [[credits.packages]] entry.
type PackageConfig struct {
	Credits int    `toml:"credits"`
	Price   string `toml:"price"` // as shown to customers, e.g. "$45"
}

// coreCredits returns the credit rules with the configured overrides.
func (c CreditsConfig) coreCredits() core.CreditRules {
	r := core.DefaultCreditRules()
	set := func(dst *int, v int) {
		if v > 0 {
			*dst = v
		}
	}
	set(&r.Costs[1], c.Category1)
	set(&r.Costs[2], c.Category2)
	set(&r.Costs[3], c.Category3)
	lic := map[string]int{}
	for k, v := range r.Licenses {
		lic[k] = v
	}
	for name, v := range map[string]int{"cs-cart-first": c.CSCartFirst, "cs-cart-additional": c.CSCartAdditional,
		"cs-cart-storefront": c.CSCartStorefront, "multivendor": c.Multivendor} {
		if v > 0 {
			lic[name] = v
		}
	}
	r.Licenses = lic
	set(&r.LotMonths, c.LotMonths)
	if len(c.Packages) > 0 {
		r.Packages = nil
		for _, p := range c.Packages {
			r.Packages = append(r.Packages, core.CreditPackage{Credits: p.Credits, Price: p.Price})
		}
	}
	return r
}

// validate refuses numbers no one means.
func (c CreditsConfig) validate() []error {
	var errs []error
	for name, v := range map[string]int{"category_1": c.Category1, "category_2": c.Category2, "category_3": c.Category3,
		"cs_cart_first": c.CSCartFirst, "cs_cart_additional": c.CSCartAdditional, "cs_cart_storefront": c.CSCartStorefront,
		"multivendor": c.Multivendor, "lot_months": c.LotMonths} {
		if v < 0 || v > core.MaxCredits {
			errs = append(errs, fmt.Errorf("credits.%s: %d is out of range", name, v))
		}
	}
	seen := map[int]bool{}
	for i, p := range c.Packages {
		switch {
		case p.Credits <= 0 || p.Credits > core.MaxCredits:
			errs = append(errs, fmt.Errorf("credits.packages #%d: credits must be 1 to %d", i+1, core.MaxCredits))
		case seen[p.Credits]:
			errs = append(errs, fmt.Errorf("credits.packages: two packages of %d credits", p.Credits))
		case strings.TrimSpace(p.Price) == "":
			errs = append(errs, fmt.Errorf("credits.packages #%d: price is empty", i+1))
		}
		seen[p.Credits] = true
	}
	return errs
}
