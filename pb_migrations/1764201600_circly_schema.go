// Package migrations holds Circly's schema and settings as Go migrations.
// main.go registers them with PocketBase's migrate command (folder
// pb_migrations, automigrate off): the schema changes only through reviewed
// code in the collections package, never through dashboard edits.
package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	m.Register(createSchema, dropSchema)
}

// createSchema reshapes users and creates Circly's collections and private
// tables.
func createSchema(app core.App) error {
	users, err := app.FindCollectionByNameOrId(collections.Users)
	if err != nil {
		return err
	}
	collections.ApplyUsers(users)
	if err := app.Save(users); err != nil {
		return err
	}
	err = saveInTwoPasses(app, []*core.Collection{
		collections.NewCircles(),
		collections.NewMembers(),
		collections.NewTemplates(),
		collections.NewPolls(),
		collections.NewOptions(),
		collections.NewVotes(),
		collections.NewNotifications(),
	})
	if err != nil {
		return err
	}
	return createPrivateTables(app)
}

// saveInTwoPasses saves collections whose rules refer to each other's
// collections (circles' rules look at members): every collection without
// rules first, then again with them.
func saveInTwoPasses(app core.App, all []*core.Collection) error {
	type rules struct{ list, view, create, update, del *string }
	saved := make([]rules, len(all))
	for i, c := range all {
		saved[i] = rules{c.ListRule, c.ViewRule, c.CreateRule, c.UpdateRule, c.DeleteRule}
		c.ListRule, c.ViewRule, c.CreateRule, c.UpdateRule, c.DeleteRule = nil, nil, nil, nil, nil
		if err := app.Save(c); err != nil {
			return err
		}
	}
	for i, c := range all {
		r := saved[i]
		c.ListRule, c.ViewRule, c.CreateRule, c.UpdateRule, c.DeleteRule = r.list, r.view, r.create, r.update, r.del
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}

// createPrivateTables creates the two tables that are deliberately not
// collections.
func createPrivateTables(app core.App) error {
	// Per-poll vote-key salts: no API, realtime event or dashboard list can
	// show them, and a row is deleted when its poll closes (see keys.Secrets).
	_, err := app.DB().NewQuery(`CREATE TABLE IF NOT EXISTS {{_circly_poll_keys}} (
		[[poll]] TEXT PRIMARY KEY NOT NULL,
		[[salt]] BLOB NOT NULL
	) WITHOUT ROWID`).Execute()
	if err != nil {
		return err
	}

	// Who took part in a poll (never what they chose): keyed hashes of
	// (poll, user), kept after close so results can say "voted" and
	// reminders skip voters. WITHOUT ROWID stores rows in hash order.
	_, err = app.DB().NewQuery(`CREATE TABLE IF NOT EXISTS {{_circly_participation}} (
		[[poll]] TEXT NOT NULL,
		[[voter]] TEXT NOT NULL,
		PRIMARY KEY ([[poll]], [[voter]])
	) WITHOUT ROWID`).Execute()
	return err
}

// dropSchema undoes createSchema (users keep their shape).
func dropSchema(app core.App) error {
	for _, table := range []string{"_circly_poll_keys", "_circly_participation"} {
		if _, err := app.DB().NewQuery("DROP TABLE IF EXISTS {{" + table + "}}").Execute(); err != nil {
			return err
		}
	}
	for _, name := range []string{
		collections.Notifications, collections.Votes, collections.Options,
		collections.Polls, collections.Templates, collections.Members, collections.Circles,
	} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			continue
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	return nil
}
