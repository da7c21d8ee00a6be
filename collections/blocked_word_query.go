package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// BlockedWordList returns every blocked word, as written.
func BlockedWordList(app core.App) ([]string, error) {
	var words []string
	err := app.DB().Select(FieldBlockedWord).From(BlockedWords).OrderBy(FieldBlockedWord).Column(&words)
	return words, err
}

// BlockedWordExists reports whether word is a blocked word already
// (compared case-insensitively, as the unique index does).
func BlockedWordExists(app core.App, word string) (bool, error) {
	var n int
	err := app.DB().Select("COUNT(*)").From(BlockedWords).
		Where(dbx.NewExp("[["+FieldBlockedWord+"]] = {:w} COLLATE NOCASE", dbx.Params{"w": word})).Row(&n)
	return n > 0, err
}

// InsertBlockedWord adds a blocked word with a note.
func InsertBlockedWord(app core.App, word, note string) error {
	col, err := app.FindCachedCollectionByNameOrId(BlockedWords)
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	r.Set(FieldBlockedWord, word)
	r.Set(FieldBlockedWordNote, note)
	return app.Save(r)
}
