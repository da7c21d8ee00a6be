package dashboard

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// NewTemplateDefaults applies the rules of a template created by request
// with the given body: active unless the body names is_active (the
// dashboard sends it only once the switch was touched; an explicit false
// stays false), usage_count 0 and no seed_key whatever was sent (a
// duplicated curated template is a new, uncounted one).
func NewTemplateDefaults(t *collections.Template, body map[string]any) {
	if _, sent := body[collections.FieldTemplateIsActive]; !sent {
		t.SetActive(true)
	}
	t.SetUsageCount(0)
	t.SetSeedKey("")
}

// KeepServerFields sets the usage_count and seed_key of a template being
// updated by request to the values stored now: they change only through
// the server's own statements (collections.IncrementUsageCount and
// seeding), so a form that was open while polls were started cannot set
// the count back, and a hand edit is ignored.
func KeepServerFields(app core.App, t *collections.Template) error {
	count, key, err := collections.TemplateServerFields(app, t.Id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // not stored (yet): nothing to keep
	}
	if err != nil {
		return err
	}
	t.SetUsageCount(count)
	t.SetSeedKey(key)
	return nil
}
