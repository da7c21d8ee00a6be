package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	// Reports and hiding (API.md §10): the reports collection (the
	// moderation queue) and the server-maintained hidden flag of members
	// and circles. On a fresh database the first migration already made
	// hidden from the current definitions; syncing it again changes
	// nothing.
	m.Register(func(app core.App) error {
		if err := collections.SyncFields(app, collections.NewMembers(), collections.FieldHidden); err != nil {
			return err
		}
		if err := collections.SyncFields(app, collections.NewCircles(), collections.FieldHidden); err != nil {
			return err
		}
		return app.Save(collections.NewReports())
	}, func(app core.App) error {
		if c, err := app.FindCollectionByNameOrId(collections.Reports); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
		if err := collections.DropFields(app, collections.Members, collections.FieldHidden); err != nil {
			return err
		}
		return collections.DropFields(app, collections.Circles, collections.FieldHidden)
	})
}
