package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	// One rule for refusals (docs/API.md, "Who may: 403 or 404"): a caller
	// who sees a record but may not change it gets 403 naming who may, not
	// 404. A circle's members see it, so its update and delete rules let
	// them through to the circles hooks, which answer 403 to all but the
	// creator; members see each other's rows, so the members update rule
	// lets them through to the hook that keeps each to its own row.
	m.Register(func(app core.App) error {
		return applyRules(app, collections.ApplyMemberWriteRules, collections.Circles, collections.Members)
	}, func(app core.App) error {
		return applyRules(app, collections.ApplyOwnerWriteRules, collections.Circles, collections.Members)
	})
}

// applyRules applies a rule change to the named collections and saves them.
func applyRules(app core.App, apply func(*core.Collection), names ...string) error {
	for _, name := range names {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		apply(c)
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}
