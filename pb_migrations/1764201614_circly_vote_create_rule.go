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
		return applyRules(app, collections.ApplyVoteCreateRule, collections.Votes)
	}, func(app core.App) error {
		return applyRules(app, collections.ApplySignedInVoteCreateRule, collections.Votes)
	})
}
