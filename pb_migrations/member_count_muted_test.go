package migrations_test

import (
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/circlytest"
	"circly/collections"
)

const homeMigration = "1764201605_circly_member_count_muted.go"

func migration(t *testing.T, file string) *core.Migration {
	t.Helper()
	for _, m := range core.AppMigrations.Items() {
		if m.File == file {
			return m
		}
	}
	t.Fatalf("migration %s is not registered", file)
	return nil
}

func kindValues(t *testing.T, app core.App) []string {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(collections.Notifications)
	if err != nil {
		t.Fatal(err)
	}
	return c.Fields.GetByName(collections.FieldNotificationKind).(*core.SelectField).Values
}

func hasField(t *testing.T, app core.App, collection, field string) bool {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	return c.Fields.GetByName(field) != nil
}

// The migration on a database made before it (its down step stands in for
// the old schema): the fields come back, member_count is backfilled from
// the active members, and the picked kind is accepted again.
func TestMemberCountMutedMigration(t *testing.T) {
	app := circlytest.NewTestApp(t)
	m := migration(t, homeMigration)

	full, users, members := circlytest.CircleWithMembers(t, app, 4)
	members[3].Set("is_active", false)
	if err := app.Save(members[3]); err != nil {
		t.Fatal(err)
	}
	solo, _ := circlytest.CreateCircle(t, app, users[1], "solo")
	poll := newPoll(t, app, full, users[0])
	picked := core.NewRecord(mustCollection(t, app, collections.Notifications))
	picked.Load(map[string]any{"poll": poll.Id, "kind": collections.KindPicked, "status": collections.NotificationScheduled, "due_at": types.NowDateTime()})
	if err := app.Save(picked); err != nil {
		t.Fatal(err)
	}

	if err := m.Down(app); err != nil {
		t.Fatalf("down: %v", err)
	}
	if hasField(t, app, collections.Circles, collections.FieldCircleMemberCount) || hasField(t, app, collections.Members, collections.FieldMemberMuted) ||
		slices.Contains(kindValues(t, app), collections.KindPicked) {
		t.Fatal("down left the new fields or the picked kind")
	}
	if _, err := app.FindRecordById(collections.Notifications, picked.Id); err == nil {
		t.Fatal("down kept a picked row its schema no longer allows")
	}

	if err := m.Up(app); err != nil {
		t.Fatalf("up: %v", err)
	}
	if !hasField(t, app, collections.Members, collections.FieldMemberMuted) || !slices.Contains(kindValues(t, app), collections.KindPicked) {
		t.Fatal("up did not add muted or the picked kind")
	}
	for id, want := range map[string]int{full.Id: 3, solo.Id: 1} {
		c, err := collections.FindCircle(app, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.MemberCount() != want {
			t.Errorf("circle %s: backfilled member_count %d, want %d", id, c.MemberCount(), want)
		}
	}
	if m, err := collections.FindMember(app, members[1].Id); err != nil || m.Muted() {
		t.Fatalf("muted after the migration: %v, %v; want false", m.Muted(), err)
	}

	// again, as on a fresh database where the first migration made them
	if err := m.Up(app); err != nil {
		t.Fatalf("second up: %v", err)
	}
	if wrong, err := collections.MemberCountMismatches(app); err != nil || len(wrong) != 0 {
		t.Fatalf("counts after a second up: %v %v", wrong, err)
	}
}

func mustCollection(t *testing.T, app core.App, name string) *core.Collection {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newPoll saves an open poll without the polls hooks' checks.
func newPoll(t *testing.T, app core.App, circle, creator *core.Record) *core.Record {
	t.Helper()
	p := core.NewRecord(mustCollection(t, app, collections.Polls))
	p.Load(map[string]any{
		"circle": circle.Id, "creator": creator.Id, "template": circlytest.FirstTemplate(t, app).Id,
		"question_text": "?", "deadline": time.Now().Add(time.Hour), "status": collections.PollOpen,
	})
	if err := app.SaveNoValidate(p); err != nil {
		t.Fatal(err)
	}
	return p
}
