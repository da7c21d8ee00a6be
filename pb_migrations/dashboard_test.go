package migrations_test

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/collections"
)

const dashboardMigration = "1764201610_circly_dashboard.go"

// The dashboard migration on a database made before it: the free-text
// category becomes the select with every row kept (a known category in
// another case normalised, an unknown one moved to the fallback), and the
// outbox rows get [] for null deliveries and counts from their deliveries,
// with last_error emptied where every recipient has a final outcome
// without error.
func TestDashboardMigration(t *testing.T) {
	app := circlytest.NewTestApp(t)
	m := migration(t, dashboardMigration)
	if err := m.Down(app); err != nil {
		t.Fatal(err)
	}
	if _, ok := categoryField(t, app).(*core.TextField); !ok {
		t.Fatalf("category after the down step: %T", categoryField(t, app))
	}
	if hasField(t, app, collections.Notifications, collections.FieldNotificationSent) {
		t.Fatal("sent left after the down step")
	}

	tpl := circlytest.FirstTemplate(t, app)
	other, err := app.FindFirstRecordByFilter(collections.Templates, "id != {:id}", dbx.Params{"id": tpl.Id})
	if err != nil {
		t.Fatal(err)
	}
	setCategory := func(id, category string) {
		t.Helper()
		if _, err := app.DB().Update(collections.Templates, dbx.Params{"category": category}, dbx.HashExp{"id": id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	setCategory(tpl.Id, " Fun")
	setCategory(other.Id, "sports")
	before, _ := app.CountRecords(collections.Templates)

	circle, users, _ := circlytest.CircleWithMembers(t, app, 3)
	status, body := circlytest.Call(t, circlytest.Handler(t, app), "POST", "/api/collections/polls/records",
		circlytest.Token(t, users[0]), map[string]any{"circle": circle.Id, "template": tpl.Id,
			"deadline": time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")})
	if status != 200 {
		t.Fatalf("poll: %d %v", status, body)
	}
	poll, err := app.FindRecordById(collections.Polls, body["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{
		// a null row and a settled row that kept an old error
		collections.KindReminder1h: `null`,
		collections.KindResults:    `[{"user":"u1","state":"sent","ticket_id":"t","receipt":"ok"},{"user":"u2","state":"skipped","error":"no push token"}]`,
		// still retrying: the error stays
		collections.KindPicked: `[{"user":"u1","state":"pending","error":"rate limited"},{"user":"u2","state":"failed","error":"bad"}]`,
	}
	ids := map[string]string{collections.KindReminder1h: "migrationrow001", collections.KindResults: "migrationrow002", collections.KindPicked: "migrationrow003"}
	for kind, deliveries := range rows {
		_, err := app.DB().NewQuery("INSERT INTO {{notifications}} (id, poll, kind, status, due_at, deliveries, attempts, last_error, note, title, body, created, updated) " +
			"VALUES ({:id}, {:poll}, {:kind}, 'pending', '2026-01-01 00:00:00.000Z', " + nullable(deliveries) + ", 1, 'old error', '', '', '', '2026-01-01 00:00:00.000Z', '2026-01-01 00:00:00.000Z')").
			Bind(dbx.Params{"id": ids[kind], "poll": poll.Id, "kind": kind, "d": deliveries}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}

	if err := m.Up(app); err != nil {
		t.Fatal(err)
	}
	sel, ok := categoryField(t, app).(*core.SelectField)
	if !ok || len(sel.Values) != len(collections.TemplateCategories) {
		t.Fatalf("category after the migration: %#v", categoryField(t, app))
	}
	if after, _ := app.CountRecords(collections.Templates); after != before {
		t.Fatalf("%d templates before, %d after", before, after)
	}
	category := func(id string) string {
		t.Helper()
		r, err := app.FindRecordById(collections.Templates, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetString("category")
	}
	if got := category(tpl.Id); got != "fun" {
		t.Errorf(`" Fun" became %q, want fun`, got)
	}
	if got := category(other.Id); got != collections.TemplateFallbackCategory {
		t.Errorf(`"sports" became %q, want %s`, got, collections.TemplateFallbackCategory)
	}

	want := map[string]struct {
		deliveries            string
		sent, failed, skipped int
		lastError             string
	}{
		collections.KindReminder1h: {`[]`, 0, 0, 0, ""},
		collections.KindResults:    {"", 1, 0, 1, ""},
		collections.KindPicked:     {"", 0, 1, 0, "old error"},
	}
	for kind, w := range want {
		r, err := app.FindFirstRecordByFilter(collections.Notifications, "poll = {:p} && kind = {:k}", dbx.Params{"p": poll.Id, "k": kind})
		if err != nil {
			t.Fatal(err)
		}
		n := collections.AsNotification(r)
		if w.deliveries != "" && n.DeliveriesJSON() != w.deliveries {
			t.Errorf("%s: deliveries %s, want %s", kind, n.DeliveriesJSON(), w.deliveries)
		}
		if n.Sent() != w.sent || n.Failed() != w.failed || n.Skipped() != w.skipped || n.LastError() != w.lastError {
			t.Errorf("%s: sent %d failed %d skipped %d last_error %q", kind, n.Sent(), n.Failed(), n.Skipped(), n.LastError())
		}
		if n.Updated().String() != "2026-01-01 00:00:00.000Z" {
			t.Errorf("%s: updated moved to %s", kind, n.Updated())
		}
	}
}

func categoryField(t *testing.T, app core.App) core.Field {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(collections.Templates)
	if err != nil {
		t.Fatal(err)
	}
	return c.Fields.GetByName("category")
}

func nullable(deliveries string) string {
	if deliveries == "null" {
		return "NULL"
	}
	return "{:d}"
}
