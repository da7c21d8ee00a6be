package collections

import "github.com/pocketbase/pocketbase/core"

// Field names of blocked_words.
const (
	FieldBlockedWord     = "word"
	FieldBlockedWordNote = "note"
)

// NewBlockedWords defines blocked_words (API.md §10): words no nickname or
// circle name may contain, after case and look-alike folding (see
// names.Blocklist). Operators edit them in the dashboard; only superusers
// read or write them (the list is not handed to would-be evaders). Seeded
// with a starter list (seed/blocked_words.txt).
func NewBlockedWords() *core.Collection {
	c := core.NewBaseCollection(BlockedWords, BlockedWordsId)

	c.Fields.Add(&core.TextField{Name: FieldBlockedWord, Required: true, Min: 1, Max: 100})
	c.Fields.Add(&core.TextField{Name: FieldBlockedWordNote, Max: 500})
	autodates(c)

	superusersOnly(c)

	c.AddIndex("idx_blocked_words_word", true, FieldBlockedWord+" COLLATE NOCASE", "")

	return c
}
