package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

// continuityRateLimitRules are the per-IP limits of the account continuity
// routes (API.md §11); SECURITY.md works out what they allow a guesser.
var continuityRateLimitRules = []core.RateLimitRule{
	{Label: "POST /api/circly/auth/transfer", MaxRequests: 10, Duration: 60},
	{Label: "POST /api/circly/auth/transfer/redeem", MaxRequests: 10, Duration: 60},
	{Label: "POST /api/circly/auth/recovery", MaxRequests: 10, Duration: 60},
	{Label: "POST /api/circly/auth/recover", MaxRequests: 10, Duration: 60},
}

func init() {
	// Account continuity (API.md §11): the codes that move an account to a
	// new device, the device ids accounts moved away from, and the per-IP
	// limits of the four routes (appended: PocketBase matches an exact
	// "METHOD path" label before any prefix rule such as "/api/").
	m.Register(func(app core.App) error {
		if err := app.Save(collections.NewAccountCodes()); err != nil {
			return err
		}
		if err := app.Save(collections.NewRetiredDevices()); err != nil {
			return err
		}
		settings := app.Settings()
		for _, rule := range continuityRateLimitRules {
			if !hasRateLimitRule(settings, rule.Label) {
				settings.RateLimits.Rules = append(settings.RateLimits.Rules, rule)
			}
		}
		return app.Save(settings)
	}, func(app core.App) error {
		settings := app.Settings()
		kept := settings.RateLimits.Rules[:0]
		for _, rule := range settings.RateLimits.Rules {
			if !isContinuityRule(rule.Label) {
				kept = append(kept, rule)
			}
		}
		settings.RateLimits.Rules = kept
		if err := app.Save(settings); err != nil {
			return err
		}
		for _, name := range []string{collections.RetiredDevices, collections.AccountCodes} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				continue
			}
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		return nil
	})
}

func hasRateLimitRule(settings *core.Settings, label string) bool {
	for _, r := range settings.RateLimits.Rules {
		if r.Label == label {
			return true
		}
	}
	return false
}

func isContinuityRule(label string) bool {
	for _, r := range continuityRateLimitRules {
		if r.Label == label {
			return true
		}
	}
	return false
}
