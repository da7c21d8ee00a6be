package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

// ContinuityRateLimitRules are the per-IP limits of the account continuity
// routes (API.md §11): 10 a minute each, plenty for a person moving phones
// (several people behind one carrier address included) and, with the
// per-code limit in the auth package, what SECURITY.md works out a guesser
// gets.
var ContinuityRateLimitRules = []core.RateLimitRule{
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
		for _, rule := range ContinuityRateLimitRules {
			if !slices.ContainsFunc(settings.RateLimits.Rules, func(r core.RateLimitRule) bool { return r.Label == rule.Label }) {
				settings.RateLimits.Rules = append(settings.RateLimits.Rules, rule)
			}
		}
		return app.Save(settings)
	}, func(app core.App) error {
		settings := app.Settings()
		settings.RateLimits.Rules = slices.DeleteFunc(slices.Clone(settings.RateLimits.Rules), func(r core.RateLimitRule) bool {
			return slices.ContainsFunc(ContinuityRateLimitRules, func(c core.RateLimitRule) bool { return c.Label == r.Label })
		})
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
