package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	// The electorate of each poll (API.md §5). Polls created before this
	// migration get theirs from what was fixed at their creation: the
	// creator and the users behind the poll's options.
	m.Register(func(app core.App) error {
		if err := app.Save(collections.NewElectors()); err != nil {
			return err
		}
		_, err := app.DB().NewQuery(`INSERT OR IGNORE INTO {{electors}} ([[id]], [[poll]], [[user]])
			SELECT 'e' || lower(hex(randomblob(7))), p.[[id]], p.[[creator]] FROM {{polls}} p WHERE p.[[creator]] != ''
			UNION
			SELECT 'e' || lower(hex(randomblob(7))), o.[[poll]], m.[[user]] FROM {{options}} o
				JOIN {{members}} m ON m.[[id]] = o.[[member]] WHERE m.[[user]] != ''`).Execute()
		return err
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(collections.Electors)
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
