package circles

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/names"
	"circly/request"
)

// registerBlockedWords keeps blocked_words usable: a word whose match form
// is empty (only punctuation, symbols or emoji) could never match and is
// refused, on every save path (the dashboard included).
func registerBlockedWords(app core.App) {
	app.OnRecordValidate(collections.BlockedWords).BindFunc(func(e *core.RecordEvent) error {
		if names.WordForm(e.Record.GetString(collections.FieldBlockedWord)) == "" {
			return request.FieldError(collections.FieldBlockedWord, "validation_blocked_word_no_letters",
				"A blocked word needs at least one letter or digit.")
		}
		return e.Next()
	})
}

// containsBlockedWord reports whether text contains a blocked word after
// case and look-alike folding (names.Blocklist). The words are read from
// the database on every check, so an operator's edit in the dashboard
// applies to the next request; there are a few dozen of them.
func containsBlockedWord(app core.App, text string) (bool, error) {
	words, err := collections.BlockedWordList(app)
	if err != nil {
		return false, err
	}
	_, found := names.NewBlocklist(words).Find(text)
	return found, nil
}

// checkNicknameWords is ErrBlockedNickname when nickname contains a
// blocked word.
func checkNicknameWords(app core.App, nickname string) error {
	found, err := containsBlockedWord(app, nickname)
	if err == nil && found {
		err = ErrBlockedNickname
	}
	return err
}

// checkCircleNameWords is ErrBlockedCircleName when name contains a
// blocked word.
func checkCircleNameWords(app core.App, name string) error {
	found, err := containsBlockedWord(app, name)
	if err == nil && found {
		err = ErrBlockedCircleName
	}
	return err
}
