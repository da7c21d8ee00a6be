package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// RateLimitRules are Circly's default rate limits per client IP (all
// adjustable later in the dashboard under Settings → Rate limiting):
// stricter for device login, join and vote, generous elsewhere.
var RateLimitRules = []core.RateLimitRule{
	{Label: "POST /api/circly/auth/device", MaxRequests: 20, Duration: 60},
	{Label: "POST /api/circly/circles/join", MaxRequests: 20, Duration: 60},
	{Label: "/api/circly/invites/", MaxRequests: 60, Duration: 60},
	{Label: "votes:create", MaxRequests: 30, Duration: 10},
	{Label: "*:auth", MaxRequests: 2, Duration: 3},
	{Label: "*:create", MaxRequests: 20, Duration: 5},
	{Label: "/api/batch", MaxRequests: 3, Duration: 1},
	{Label: "/api/", MaxRequests: 300, Duration: 10},
}

func init() {
	m.Register(func(app core.App) error {
		settings := app.Settings()
		settings.Meta.AppName = "Circly"
		settings.RateLimits.Enabled = true
		settings.RateLimits.Rules = RateLimitRules
		// the batch API would let one request carry many votes past the
		// per-request checks of the rate limiter; the app does not need it
		settings.Batch.Enabled = false
		return app.Save(settings)
	}, nil)
}
