package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
	"circly/names"
	"circly/seed"
)

func init() {
	// Names (API.md §10): the blocked_words collection with its starter
	// list, and nickname keys recomputed under the look-alike key
	// (names.Key). Two active members of one circle whose nicknames now
	// read the same: the one who joined first keeps the key, the other a
	// key of its own (collections.RekeyNicknames), so the unique index
	// holds and no new member can take either nickname.
	m.Register(func(app core.App) error {
		if err := app.Save(collections.NewBlockedWords()); err != nil {
			return err
		}
		if _, err := seed.LoadBlockedWords(app); err != nil {
			return err
		}
		duplicates, err := collections.RekeyNicknames(app, names.Key)
		if err != nil {
			return err
		}
		if duplicates > 0 {
			app.Logger().Warn("Nicknames that read the same in one circle: the later members keep theirs until they rename",
				"members", duplicates)
		}
		return nil
	}, func(app core.App) error {
		// the keys stay as they are; every save recomputes the key of the
		// row it saves
		c, err := app.FindCollectionByNameOrId(collections.BlockedWords)
		if err != nil {
			return err
		}
		return app.Delete(c)
	})
}
