package seed_test

import (
	"slices"
	"testing"

	"circly/collections"
	"circly/seed"
)

// The category select offers exactly the curated set's categories.
func TestCuratedCategoriesAreTheSelectValues(t *testing.T) {
	list, err := seed.Templates()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, tpl := range list {
		if !slices.Contains(collections.TemplateCategories, tpl.Category) {
			t.Errorf("%q has category %q, not one of %v", tpl.QuestionText, tpl.Category, collections.TemplateCategories)
		}
		used[tpl.Category] = true
	}
	for _, c := range collections.TemplateCategories {
		if !used[c] {
			t.Errorf("category %q has no curated template", c)
		}
	}
}
