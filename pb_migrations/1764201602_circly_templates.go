package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/seed"
)

func init() {
	// the curated question templates, loaded once on first start; later
	// `circly seed` runs add missing ones without touching edited rows
	m.Register(func(app core.App) error {
		_, err := seed.LoadTemplates(app)
		return err
	}, nil)
}
