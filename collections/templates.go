package collections

import "github.com/pocketbase/pocketbase/core"

// NewTemplates defines the curated question templates. Signed-in users see
// the active ones; operators write them in the dashboard (superusers only).
func NewTemplates() *core.Collection {
	c := core.NewBaseCollection(Templates, TemplatesId)

	c.Fields.Add(&core.TextField{Name: "question_text", Required: true, Min: 1, Max: 200})
	c.Fields.Add(&core.TextField{Name: "category", Required: true, Min: 1, Max: 50, Pattern: `^[a-z0-9_-]+$`})
	c.Fields.Add(&core.NumberField{Name: "usage_count", Min: floatPtr(0), OnlyInt: true})
	c.Fields.Add(&core.BoolField{Name: "is_active"})
	// stable key of a curated template (see seed.Template.Key); empty for
	// templates added in the dashboard
	c.Fields.Add(&core.TextField{Name: "seed_key", Hidden: true, Max: 100})
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
