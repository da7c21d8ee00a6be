package collections

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// TemplateCategories are the categories of the curated set (seed/) and the
// only values the category select accepts: the app knows these and no
// other (API.md §3).
var TemplateCategories = []string{"fun", "friendship", "personality", "future", "daily", "romance"}

// TemplateFallbackCategory is where a migration puts a stored template whose
// category is not one of TemplateCategories.
const TemplateFallbackCategory = "daily"

// Help texts of the templates fields, shown under each field in the
// dashboard.
const (
	helpTemplateCategory   = "One of the app's six categories; the app lists templates by category."
	helpTemplateUsageCount = "Counted by the server: +1 for every poll started from this question. Not editable: a new template starts at 0 and edits here are ignored."
	helpTemplateIsActive   = "Offered to users while on. Leave it untouched when adding a template: a new template is active unless the form sends is_active = false. Turn it off to retire a question rather than deleting it."
	helpTemplateSeedKey    = "Set by the server for the curated questions (seed/templates.json) so `circly seed` never adds an edited one twice; empty for templates added here. Not editable: edits here are ignored."
)

// NewTemplates defines the curated question templates. Signed-in users see
// the active ones; operators write them in the dashboard (superusers only).
// The dashboard rules (active unless sent as false, usage_count and
// seed_key not writable by hand) are package dashboard's hooks.
func NewTemplates() *core.Collection {
	c := core.NewBaseCollection(Templates, TemplatesId)

	c.Fields.Add(&core.TextField{Name: "question_text", Required: true, Min: 1, Max: 200, Presentable: true})
	c.Fields.Add(newTemplateCategoryField())
	c.Fields.Add(&core.NumberField{Name: "usage_count", Min: floatPtr(0), OnlyInt: true, Help: helpTemplateUsageCount})
	c.Fields.Add(&core.BoolField{Name: "is_active", Help: helpTemplateIsActive})
	// stable key of a curated template (see seed.Template.Key); empty for
	// templates added in the dashboard
	c.Fields.Add(&core.TextField{Name: "seed_key", Hidden: true, Max: 100, Help: helpTemplateSeedKey})
	autodates(c)

	active := signedInUser + ` && is_active = true`
	c.ListRule = ptr(active)
	c.ViewRule = ptr(active)
	c.CreateRule = nil
	c.UpdateRule = nil
	c.DeleteRule = nil

	c.AddIndex("idx_templates_question_text", true, "question_text", "")
	c.AddIndex("idx_templates_category_usage", false, "category, usage_count", "")
	c.AddIndex("idx_templates_usage", false, "usage_count", "")
	c.AddIndex("idx_templates_seed_key", true, "seed_key", "seed_key != ''")

	return c
}

func newTemplateCategoryField() *core.SelectField {
	return &core.SelectField{Name: FieldTemplateCategory, Required: true, MaxSelect: 1,
		Values: slices.Clone(TemplateCategories), Help: helpTemplateCategory}
}
