package collections

import (
	"slices"
	"strconv"
	"strings"

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

// templateCategoryText is the category field before it became a select:
// free text checked by a pattern (the down step of the migration).
func templateCategoryText() *core.TextField {
	return &core.TextField{Name: FieldTemplateCategory, Required: true, Min: 1, Max: 50, Pattern: `^[a-z0-9_-]+$`}
}

// UnknownTemplateCategories returns, by template id, the stored categories
// that are not one of TemplateCategories once trimmed and lower-cased.
func UnknownTemplateCategories(app core.App) (map[string]string, error) {
	var rows []struct {
		Id       string `db:"id"`
		Category string `db:"category"`
	}
	err := app.DB().Select("id", FieldTemplateCategory).From(Templates).All(&rows)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range rows {
		if !slices.Contains(TemplateCategories, normalCategory(r.Category)) {
			out[r.Id] = r.Category
		}
	}
	return out, nil
}

func normalCategory(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// MakeTemplateCategorySelect turns a stored free-text category into the
// select of TemplateCategories, keeping every row: a value that is one of
// them once trimmed and lower-cased is kept (normalised), any other moves
// to TemplateFallbackCategory. A category that already is a select only
// gets the current definition (values, help).
func MakeTemplateCategorySelect(app core.App) error {
	stored, err := app.FindCollectionByNameOrId(Templates)
	if err != nil {
		return err
	}
	if _, ok := stored.Fields.GetByName(FieldTemplateCategory).(*core.SelectField); ok {
		return SyncFields(app, NewTemplates(), FieldTemplateCategory)
	}
	value := "CASE WHEN lower(trim([[" + FieldTemplateCategory + "]])) IN ({:known}) " +
		"THEN lower(trim([[" + FieldTemplateCategory + "]])) ELSE {:fallback} END"
	// dbx expands a slice parameter only in Where expressions: spell the
	// list out
	in := make([]string, len(TemplateCategories))
	params := dbx.Params{"fallback": TemplateFallbackCategory}
	for i, c := range TemplateCategories {
		in[i] = "{:c" + strconv.Itoa(i) + "}"
		params["c"+strconv.Itoa(i)] = c
	}
	value = strings.Replace(value, "{:known}", strings.Join(in, ", "), 1)
	return replaceField(app, Templates, newTemplateCategoryField(), value, params)
}

// MakeTemplateCategoryText turns the category select back into free text
// (the values stay).
func MakeTemplateCategoryText(app core.App) error {
	stored, err := app.FindCollectionByNameOrId(Templates)
	if err != nil {
		return err
	}
	if _, ok := stored.Fields.GetByName(FieldTemplateCategory).(*core.TextField); ok {
		return nil
	}
	return replaceField(app, Templates, templateCategoryText(), "[["+FieldTemplateCategory+"]]", nil)
}

// replaceField replaces the stored field of the same name as field with
// field, which may be of another type (PocketBase refuses to change a
// field's type in place): field is added under a temporary name, filled
// with valueSQL (an expression over the table's current columns), then the
// old field is dropped and the new one takes its name, in one transaction.
func replaceField(app core.App, collection string, field core.Field, valueSQL string, params dbx.Params) error {
	name := field.GetName()
	temp := name + "_next"
	return app.RunInTransaction(func(txApp core.App) error {
		stored, err := txApp.FindCollectionByNameOrId(collection)
		if err != nil {
			return err
		}
		field.SetName(temp)
		field.SetId("")
		stored.Fields.Add(field)
		if err := txApp.Save(stored); err != nil {
			return err
		}
		_, err = txApp.DB().NewQuery("UPDATE {{" + collection + "}} SET [[" + temp + "]] = " + valueSQL).
			Bind(params).Execute()
		if err != nil {
			return err
		}
		stored, err = txApp.FindCollectionByNameOrId(collection)
		if err != nil {
			return err
		}
		stored.Fields.RemoveByName(name)
		stored.Fields.GetByName(temp).SetName(name)
		return txApp.Save(stored)
	})
}

// TemplateServerFields reads a template's stored usage_count and seed_key
// (sql.ErrNoRows when there is no such template).
func TemplateServerFields(app core.App, id string) (usageCount int, seedKey string, err error) {
	var row struct {
		UsageCount int    `db:"usage_count"`
		SeedKey    string `db:"seed_key"`
	}
	err = app.DB().Select(FieldTemplateUsageCount, FieldTemplateSeedKey).From(Templates).
		Where(dbx.HashExp{"id": id}).One(&row)
	return row.UsageCount, row.SeedKey, err
}
