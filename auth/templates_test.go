package auth_test

import (
	"net/url"
	"testing"

	"circly/circlytest"
	"circly/collections"
	"circly/seed"
)

// TestTemplates: the curated set is loaded, listing needs a signed-in user
// and shows only active templates, category filter and popularity sort work,
// and only superusers write.
func TestTemplates(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	token := circlytest.Token(t, circlytest.CreateUser(t, app))
	su := circlytest.SuperuserHeader(t, app)["Authorization"]

	curated, err := seed.Templates()
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := app.CountRecords(collections.Templates)
	if int(stored) != len(curated) || len(curated) < 60 {
		t.Fatalf("%d stored, %d curated", stored, len(curated))
	}

	// retire one, make another popular
	off, _ := app.FindFirstRecordByFilter(collections.Templates, "category = 'fun'")
	off.Set("is_active", false)
	app.Save(off)
	hot, _ := app.FindFirstRecordByFilter(collections.Templates, "category = 'daily'")
	hot.Set("usage_count", 99)
	app.Save(hot)

	if status, _ := circlytest.Call(t, h, "GET", "/api/collections/templates/records", "", nil); status != 200 {
		t.Fatalf("anonymous list: %d", status)
	} else if _, body := circlytest.Call(t, h, "GET", "/api/collections/templates/records", "", nil); body["totalItems"].(float64) != 0 {
		t.Fatal("anonymous callers see templates")
	}

	status, body := circlytest.Call(t, h, "GET", "/api/collections/templates/records?perPage=500", token, nil)
	if status != 200 || int(body["totalItems"].(float64)) != len(curated)-1 {
		t.Fatalf("list: %d %v", status, body["totalItems"])
	}
	for _, it := range body["items"].([]any) {
		if it.(map[string]any)["id"] == off.Id {
			t.Fatal("an inactive template is listed")
		}
		if _, ok := it.(map[string]any)["seed_key"]; ok {
			t.Fatal("seed_key is visible to users")
		}
	}
	if status, _ := circlytest.Call(t, h, "GET", "/api/collections/templates/records/"+off.Id, token, nil); status != 404 {
		t.Fatalf("inactive view: %d", status)
	}

	q := "?perPage=50&sort=-usage_count&filter=" + url.QueryEscape(`category="daily"`)
	_, body = circlytest.Call(t, h, "GET", "/api/collections/templates/records"+q, token, nil)
	items := body["items"].([]any)
	if len(items) < 10 || items[0].(map[string]any)["id"] != hot.Id {
		t.Fatalf("by category: %d items, first %v", len(items), items[0])
	}
	for _, it := range items {
		if it.(map[string]any)["category"] != "daily" {
			t.Fatal("category filter leaked another category")
		}
	}
	_, body = circlytest.Call(t, h, "GET", "/api/collections/templates/records?perPage=10&sort=-usage_count", token, nil)
	if body["items"].([]any)[0].(map[string]any)["id"] != hot.Id {
		t.Fatal("popular is not sorted by usage")
	}

	for _, c := range []struct{ method, url string }{
		{"POST", "/api/collections/templates/records"},
		{"PATCH", "/api/collections/templates/records/" + hot.Id},
		{"DELETE", "/api/collections/templates/records/" + hot.Id},
	} {
		if status, _ := circlytest.Call(t, h, c.method, c.url, token, map[string]any{"question_text": "x", "category": "fun"}); status != 403 {
			t.Fatalf("user %s: %d", c.method, status)
		}
	}
	if status, _ := circlytest.Call(t, h, "POST", "/api/collections/templates/records", su, map[string]any{"question_text": "새 질문?", "category": "fun", "is_active": true}); status != 200 {
		t.Fatalf("superuser create: %d", status)
	}
}

// TestSeedIsRerunnable: a second load adds nothing and keeps edits.
func TestSeedIsRerunnable(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	r, _ := app.FindFirstRecordByFilter(collections.Templates, "is_active = true")
	r.Set("question_text", "운영자가 고친 질문?")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	n, err := seed.LoadTemplates(app)
	if err != nil || n != 0 {
		t.Fatalf("re-run inserted %d (%v)", n, err)
	}
	again, _ := app.FindRecordById(collections.Templates, r.Id)
	if again.GetString("question_text") != "운영자가 고친 질문?" {
		t.Fatal("the re-run overwrote an edit")
	}
	if err := app.Delete(again); err != nil {
		t.Fatal(err)
	}
	if n, _ := seed.LoadTemplates(app); n != 1 {
		t.Fatalf("a deleted curated template was not restored (%d)", n)
	}
}
