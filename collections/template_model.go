package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Fields of the templates collection (see NewTemplates).
const (
	FieldTemplateQuestionText = "question_text"
	FieldTemplateCategory     = "category"
	FieldTemplateUsageCount   = "usage_count"
	FieldTemplateIsActive     = "is_active"
	FieldTemplateSeedKey      = "seed_key"
)

var (
	_ core.Model        = (*Template)(nil)
	_ core.PreValidator = (*Template)(nil)
	_ core.RecordProxy  = (*Template)(nil)
)

// Template is a typed record of the templates collection: a curated
// question polls are started from.
type Template struct {
	*core.Record
}

// AsTemplate wraps a templates record (nil stays nil). The record is
// shared, not copied: setters change it.
func AsTemplate(r *core.Record) *Template {
	if r == nil {
		return nil
	}
	return &Template{Record: r}
}

// NewTemplate returns a blank, unsaved template.
func NewTemplate(app core.App) (*Template, error) {
	r, err := newRecord(app, Templates)
	return wrapOne(r, err, AsTemplate)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a templates record.
func (t *Template) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(t.Record, Templates)
}

// ProxyRecord returns the wrapped record.
func (t *Template) ProxyRecord() *core.Record { return t.Record }

// SetProxyRecord replaces the wrapped record.
func (t *Template) SetProxyRecord(r *core.Record) { t.Record = r }

// QuestionText returns the question.
func (t *Template) QuestionText() string { return t.GetString(FieldTemplateQuestionText) }

// SetQuestionText sets the question.
func (t *Template) SetQuestionText(text string) { t.Set(FieldTemplateQuestionText, text) }

// Category returns the template's category slug.
func (t *Template) Category() string { return t.GetString(FieldTemplateCategory) }

// SetCategory sets the category slug.
func (t *Template) SetCategory(category string) { t.Set(FieldTemplateCategory, category) }

// UsageCount returns how many polls were started from the template.
func (t *Template) UsageCount() int { return t.GetInt(FieldTemplateUsageCount) }

// SetUsageCount sets the usage count (polls add to it with
// IncrementUsageCount, without a save).
func (t *Template) SetUsageCount(n int) { t.Set(FieldTemplateUsageCount, n) }

// IsActive reports whether the template is offered to users.
func (t *Template) IsActive() bool { return t.GetBool(FieldTemplateIsActive) }

// SetActive offers or retires the template.
func (t *Template) SetActive(active bool) { t.Set(FieldTemplateIsActive, active) }

// SeedKey returns the stable key of a curated template, "" for templates
// added in the dashboard (hidden field).
func (t *Template) SeedKey() string { return t.GetString(FieldTemplateSeedKey) }

// SetSeedKey sets the curated template's key.
func (t *Template) SetSeedKey(key string) { t.Set(FieldTemplateSeedKey, key) }

// Created returns when the template was created.
func (t *Template) Created() types.DateTime { return t.GetDateTime(FieldCreated) }

// Updated returns when the template was last saved.
func (t *Template) Updated() types.DateTime { return t.GetDateTime(FieldUpdated) }
