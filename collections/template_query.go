package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindTemplate returns the template with the given id (sql.ErrNoRows when
// none), active or not.
func FindTemplate(app core.App, id string) (*Template, error) {
	r, err := app.FindRecordById(Templates, id)
	return wrapOne(r, err, AsTemplate)
}

// IncrementUsageCount adds one to a template's usage count with plain SQL:
// starting a poll is not an edit of the template, so it fires no record
// hooks and leaves "updated" alone.
func IncrementUsageCount(app core.App, templateId string) error {
	_, err := app.DB().NewQuery("UPDATE {{templates}} SET [[usage_count]] = [[usage_count]] + 1 WHERE [[id]] = {:id}").
		Bind(dbx.Params{"id": templateId}).Execute()
	return err
}

// TemplateExists reports whether a template has the seed key or the
// question text (both are unique), so seeding never adds a second copy of
// a template an operator edited.
func TemplateExists(app core.App, seedKey, questionText string) (bool, error) {
	var n int
	err := app.DB().Select("count(*)").From(Templates).
		Where(dbx.Or(
			dbx.HashExp{FieldTemplateSeedKey: seedKey},
			dbx.HashExp{FieldTemplateQuestionText: questionText},
		)).Row(&n)
	return n > 0, err
}
