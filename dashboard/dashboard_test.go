package dashboard_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/circlytest"
	"circly/collections"
)

const templatesURL = "/api/collections/templates/records"

// A template created without is_active (what the dashboard's form sends
// when the switch is left alone) is active and offered to users; an
// explicit false stays false.
func TestTemplateWithoutIsActiveIsActive(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	su := circlytest.SuperuserHeader(t, app)["Authorization"]
	user := circlytest.Token(t, circlytest.CreateUser(t, app))

	status, body := circlytest.Call(t, h, "POST", templatesURL, su, map[string]any{"question_text": "대시보드에서 만든 질문?", "category": "fun"})
	if status != 200 || body["is_active"] != true {
		t.Fatalf("create without is_active: %d %v", status, body)
	}
	offered := body["id"].(string)
	status, body = circlytest.Call(t, h, "POST", templatesURL, su, map[string]any{"question_text": "꺼 둔 질문?", "category": "fun", "is_active": false})
	if status != 200 || body["is_active"] != false {
		t.Fatalf("create with is_active false: %d %v", status, body)
	}
	retired := body["id"].(string)

	_, body = circlytest.Call(t, h, "GET", templatesURL+"?perPage=500&filter="+url.QueryEscape(`category="fun"`), user, nil)
	seen := map[string]bool{}
	for _, it := range body["items"].([]any) {
		seen[it.(map[string]any)["id"].(string)] = true
	}
	if !seen[offered] || seen[retired] {
		t.Fatalf("offered to users: new template %v, retired one %v", seen[offered], seen[retired])
	}
}

// category is a select of the app's categories: another value, or one in
// another case, is refused with a 400 on the field.
func TestTemplateCategoryIsASelect(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	su := circlytest.SuperuserHeader(t, app)["Authorization"]

	for _, category := range []string{"sports", "Fun", ""} {
		status, body := circlytest.Call(t, h, "POST", templatesURL, su, map[string]any{"question_text": "질문 " + category + "?", "category": category})
		data, _ := body["data"].(map[string]any)
		if status != 400 || data["category"] == nil {
			t.Errorf("category %q: %d %v", category, status, body)
		}
	}
	for _, category := range collections.TemplateCategories {
		if status, body := circlytest.Call(t, h, "POST", templatesURL, su, map[string]any{"question_text": "질문 " + category + "?", "category": category}); status != 200 {
			t.Errorf("category %q: %d %v", category, status, body)
		}
	}
}

// usage_count and seed_key are the server's: a create starts them at 0 and
// "", an update keeps the stored values (also the count polls added while
// the form was open).
func TestTemplateServerFieldsAreNotEditable(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	su := circlytest.SuperuserHeader(t, app)["Authorization"]

	status, body := circlytest.Call(t, h, "POST", templatesURL, su, map[string]any{
		"question_text": "복제한 질문?", "category": "daily", "usage_count": 40, "seed_key": "daily:copied",
	})
	if status != 200 || body["usage_count"] != float64(0) || body["seed_key"] != "" {
		t.Fatalf("create: %d %v", status, body)
	}

	curated := circlytest.FirstTemplate(t, app)
	key := curated.GetString("seed_key")
	if err := collections.IncrementUsageCount(app, curated.Id); err != nil {
		t.Fatal(err)
	}
	// the form was loaded before that poll: it sends usage_count 0
	status, body = circlytest.Call(t, h, "PATCH", templatesURL+"/"+curated.Id, su, map[string]any{
		"question_text": "운영자가 고친 질문?", "usage_count": 0, "seed_key": "",
	})
	if status != 200 || body["question_text"] != "운영자가 고친 질문?" {
		t.Fatalf("update: %d %v", status, body)
	}
	stored, err := collections.FindTemplate(app, curated.Id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.UsageCount() != 1 || stored.SeedKey() != key {
		t.Fatalf("after the edit: usage_count %d, seed_key %q (want 1, %q)", stored.UsageCount(), stored.SeedKey(), key)
	}
}

// The outbox is the dispatcher's: a superuser's request creating or
// editing a row is refused with 403; deleting a row is
// refused while its poll is open and allowed once it closed.
func TestOutboxRefusesHandWrites(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	su := circlytest.SuperuserHeader(t, app)["Authorization"]
	circle, users, _ := circlytest.CircleWithMembers(t, app, 3)
	status, body := circlytest.Call(t, h, "POST", "/api/collections/polls/records", circlytest.Token(t, users[0]), map[string]any{
		"circle": circle.Id, "template": circlytest.FirstTemplate(t, app).Id,
		"deadline": time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05.000Z"),
	})
	if status != 200 {
		t.Fatalf("poll: %d %v", status, body)
	}
	pollId := body["id"].(string)
	row, err := collections.NewNotification(app)
	if err != nil {
		t.Fatal(err)
	}
	row.SetPoll(pollId)
	row.SetKind(collections.KindPollStarted)
	row.SetStatus(collections.NotificationPending)
	row.SetDueAt(types.NowDateTime())
	if err := app.Save(row); err != nil {
		t.Fatal(err)
	}
	const base = "/api/collections/notifications/records"

	status, body = circlytest.Call(t, h, "POST", base, su, map[string]any{
		"poll": pollId, "kind": collections.KindResults, "status": collections.NotificationPending, "due_at": "2030-01-01 00:00:00.000Z",
	})
	if status != 403 || body["message"] == "" {
		t.Errorf("create: %d %v", status, body)
	}
	if status, body = circlytest.Call(t, h, "PATCH", base+"/"+row.Id, su, map[string]any{"last_error": ""}); status != 403 {
		t.Errorf("update: %d %v", status, body)
	}
	if status, body = circlytest.Call(t, h, "DELETE", base+"/"+row.Id, su, nil); status != 403 {
		t.Errorf("delete while the poll is open: %d %v", status, body)
	}
	if n, _ := app.CountRecords(collections.Notifications, dbx.HashExp{"poll": pollId}); n != 1 {
		t.Fatalf("%d outbox rows of the poll, want the one made by the dispatcher", n)
	}
	stored, _ := collections.FindNotification(app, row.Id)
	if stored.Note() != "" || stored.Status() != collections.NotificationPending {
		t.Fatalf("the row changed: %v", stored.FieldsData())
	}

	closePoll(t, app, pollId)
	if status, body = circlytest.Call(t, h, "DELETE", base+"/"+row.Id, su, nil); status != 204 {
		t.Errorf("delete after the close: %d %v", status, body)
	}
}

func closePoll(t *testing.T, app core.App, pollId string) {
	t.Helper()
	_, err := app.DB().Update(collections.Polls, dbx.Params{"status": collections.PollClosed}, dbx.HashExp{"id": pollId}).Execute()
	if err != nil {
		t.Fatal(err)
	}
}
