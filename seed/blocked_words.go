package seed

import (
	_ "embed"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

//go:embed blocked_words.txt
var blockedWordsTxt string

// BlockedWord is one word of the starter list and its note.
type BlockedWord struct {
	Word, Note string
}

// BlockedWords returns the starter list of blocked words (blocked_words.txt).
func BlockedWords() []BlockedWord {
	var list []BlockedWord
	for _, line := range strings.Split(blockedWordsTxt, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, note, _ := strings.Cut(line, " # ")
		list = append(list, BlockedWord{Word: strings.TrimSpace(word), Note: strings.TrimSpace(note)})
	}
	return list
}

// LoadBlockedWords inserts every starter word not in blocked_words yet and
// returns how many it inserted.
func LoadBlockedWords(app core.App) (int, error) {
	inserted := 0
	err := app.RunInTransaction(func(txApp core.App) error {
		for _, w := range BlockedWords() {
			exists, err := collections.BlockedWordExists(txApp, w.Word)
			if err != nil {
				return err
			}
			if exists {
				continue
			}
			if err := collections.InsertBlockedWord(txApp, w.Word, w.Note); err != nil {
				return err
			}
			inserted++
		}
		return nil
	})
	return inserted, err
}
