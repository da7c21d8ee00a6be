package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	// Operators (API.md §12): the generation of metrics tokens, which
	// `circly metrics-token --revoke-all` raises.
	m.Register(func(app core.App) error {
		return collections.CreateMetricsTokensTable(app)
	}, func(app core.App) error {
		return collections.DropMetricsTokensTable(app)
	})
}
