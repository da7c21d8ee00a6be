package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	// The votes create rule is left empty: the votes create hook refuses
	// everything the old rule did (no auth, a disabled user, a record that
	// is not a Circly user) before any vote is written, and PocketBase no
	// longer runs a rule query per vote (collections.ApplyVoteCreateRule).
	m.Register(func(app core.App) error {
		return applyVoteRule(app, collections.ApplyVoteCreateRule)
	}, func(app core.App) error {
		return applyVoteRule(app, collections.ApplySignedInVoteCreateRule)
	})
}

func applyVoteRule(app core.App, apply func(*core.Collection)) error {
	c, err := app.FindCollectionByNameOrId(collections.Votes)
	if err != nil {
		return err
	}
	apply(c)
	return app.Save(c)
}
