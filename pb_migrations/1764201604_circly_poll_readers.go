package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

// HomeRateLimitRules are the rate limits of the app's home routes (API.md
// §9), per client IP. The feed and the inbox are the heaviest reads (a
// count and a page over every circle of the caller); the app asks for them
// when the home screen opens or is pulled to refresh, so 60 in 10 s leaves
// room for several users behind one address. Everything else under /api/
// keeps the catch-all limit of RateLimitRules.
var HomeRateLimitRules = []core.RateLimitRule{
	{Label: "GET /api/circly/feed", MaxRequests: 60, Duration: 10},
	{Label: "GET /api/circly/me/picks", MaxRequests: 60, Duration: 10},
}

func init() {
	// Who may read a poll (API.md §6): its circle's active members and its
	// electorate, so a voter who has left keeps its polls, their options
	// and results. The rules join the electors collection, made by the
	// previous migration. No down: the members-only rules denied former
	// voters what the contract gives them.
	m.Register(func(app core.App) error {
		for name, apply := range map[string]func(*core.Collection){
			collections.Polls:   collections.ApplyPollReaders,
			collections.Options: collections.ApplyOptionReaders,
		} {
			c, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				return err
			}
			apply(c)
			if err := app.Save(c); err != nil {
				return err
			}
		}

		// the home routes' limits, unless an operator already set a rule
		// with the same label in the dashboard
		settings := app.Settings()
		for _, rule := range HomeRateLimitRules {
			if !slices.ContainsFunc(settings.RateLimits.Rules, func(r core.RateLimitRule) bool { return r.Label == rule.Label }) {
				settings.RateLimits.Rules = append(settings.RateLimits.Rules, rule)
			}
		}
		return app.Save(settings)
	}, nil)
}
