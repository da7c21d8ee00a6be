// Package seed ships Circly's curated question templates (templates.json,
// Korean, several categories) and loads them into the templates collection,
// the starter list of blocked words, and the push copy (push_copy.go).
package seed

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

//go:embed templates.json
var templatesJSON []byte

// Template is one curated question.
type Template struct {
	Category     string `json:"category"`
	QuestionText string `json:"question_text"`
}

// Key is the template's stable seed key: its category and a hash of its
// original text. It is stored in the hidden seed_key field, so an operator's
// edit of the text in the dashboard does not make a re-run add it again.
func (t Template) Key() string {
	sum := sha256.Sum256([]byte(t.QuestionText))
	return t.Category + ":" + hex.EncodeToString(sum[:6])
}

// Templates returns the curated set.
func Templates() ([]Template, error) {
	var list []Template
	if err := json.Unmarshal(templatesJSON, &list); err != nil {
		return nil, fmt.Errorf("seed: templates.json: %w", err)
	}
	return list, nil
}

// LoadTemplates inserts every curated template whose seed key is not in the
// collection yet and returns how many it inserted. Existing rows — edited,
// deactivated or counted — are never touched, so it is safe to run again.
// A template an operator deleted comes back on a re-run; deactivate a
// template (is_active = false) to retire it for good.
func LoadTemplates(app core.App) (int, error) {
	list, err := Templates()
	if err != nil {
		return 0, err
	}
	inserted := 0
	err = app.RunInTransaction(func(txApp core.App) error {
		for _, t := range list {
			exists, err := collections.TemplateExists(txApp, t.Key(), t.QuestionText)
			if err != nil {
				return err
			}
			if exists {
				continue
			}
			r, err := collections.NewTemplate(txApp)
			if err != nil {
				return err
			}
			r.SetQuestionText(t.QuestionText)
			r.SetCategory(t.Category)
			r.SetSeedKey(t.Key())
			r.SetUsageCount(0)
			r.SetActive(true)
			if err := txApp.Save(r); err != nil {
				return fmt.Errorf("seed %q: %w", t.QuestionText, err)
			}
			inserted++
		}
		return nil
	})
	return inserted, err
}
