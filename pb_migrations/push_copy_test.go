package migrations_test

import (
	"testing"

	"circly/circlytest"
	"circly/collections"
)

const pushCopyMigration = "1764201612_circly_push_copy.go"

// The push copy migration down and up again on a database in use: the
// collection, users.locale and the outbox's English copy go and come back,
// push_copy seeded with every (kind, locale), users kept.
func TestPushCopyMigration(t *testing.T) {
	app := circlytest.NewTestApp(t)
	m := migration(t, pushCopyMigration)
	user := circlytest.CreateUser(t, app)

	if err := m.Down(app); err != nil {
		t.Fatal(err)
	}
	if _, err := app.FindCollectionByNameOrId(collections.PushCopy); err == nil {
		t.Fatal("push_copy left after the down step")
	}
	if hasField(t, app, collections.Users, collections.FieldUserLocale) ||
		hasField(t, app, collections.Notifications, collections.FieldNotificationTitleEn) {
		t.Fatal("fields left after the down step")
	}
	if err := m.Up(app); err != nil {
		t.Fatal(err)
	}
	if !hasField(t, app, collections.Users, collections.FieldUserLocale) ||
		!hasField(t, app, collections.Notifications, collections.FieldNotificationBodyEn) {
		t.Fatal("fields missing after the up step")
	}
	for _, locale := range collections.Locales {
		for _, kind := range collections.CopyKinds {
			if text, found, err := collections.FindPushCopy(app, kind, locale); err != nil || !found || text.Title == "" || text.Body == "" {
				t.Fatalf("%s/%s: %+v %v %v", kind, locale, text, found, err)
			}
		}
	}
	if n, _ := app.CountRecords(collections.PushCopy); n != int64(len(collections.Locales)*len(collections.CopyKinds)) {
		t.Fatalf("%d push_copy rows", n)
	}
	u, err := app.FindRecordById(collections.Users, user.Id)
	if err != nil {
		t.Fatal(err)
	}
	u.Set(collections.FieldUserLocale, collections.LocaleEn)
	if err := app.Save(u); err != nil {
		t.Fatal(err)
	}
}
