package migrations_test

import (
	"testing"

	"github.com/pocketbase/dbx"

	"circly/circlytest"
	"circly/collections"
	"circly/names"
)

const namesMigration = "1764201607_circly_names.go"

// The names migration on a database made before it: blocked_words comes
// back with the starter list, and nickname keys are recomputed under the
// look-alike key. Two active members of one circle whose nicknames now
// read the same keep them; the one who joined first holds the key.
func TestNamesMigration(t *testing.T) {
	app := circlytest.NewTestApp(t)
	m := migration(t, namesMigration)

	circle, _, members := circlytest.CircleWithMembers(t, app, 3)
	alice, later, former := members[0], members[1], members[2]
	// rows as the old key left them: "Аlice" (Cyrillic А) and "Alice" had
	// different keys then
	for _, row := range []struct {
		id, nickname, key string
		active            bool
	}{
		{alice.Id, "Alice", "alice", true},
		{later.Id, "\u0410lice", "\u0430lice", true},
		{former.Id, "ALICE", "alice", false},
	} {
		if _, err := app.DB().Update(collections.Members,
			dbx.Params{"nickname": row.nickname, "nickname_key": row.key, "is_active": row.active},
			dbx.HashExp{"id": row.id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}

	if err := m.Down(app); err != nil {
		t.Fatal(err)
	}
	if _, err := app.FindCollectionByNameOrId(collections.BlockedWords); err == nil {
		t.Fatal("blocked_words left after the down step")
	}
	if err := m.Up(app); err != nil {
		t.Fatal(err)
	}
	words, err := collections.BlockedWordList(app)
	if err != nil || len(words) < 20 {
		t.Fatalf("seeded words: %d %v", len(words), err)
	}

	key := func(id string) string {
		t.Helper()
		r, err := app.FindRecordById(collections.Members, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.GetString("nickname_key")
	}
	aliceKey := names.Key("Alice")
	if got := key(alice.Id); got != aliceKey {
		t.Errorf("first Alice's key = %q, want %q", got, aliceKey)
	}
	if got := key(later.Id); got != collections.DuplicateKey(aliceKey, later.Id) {
		t.Errorf("later look-alike's key = %q", got)
	}
	if got := key(former.Id); got != aliceKey {
		t.Errorf("former member's key = %q, want %q", got, aliceKey)
	}

	// the later member keeps its nickname through other saves …
	r, _ := app.FindRecordById(collections.Members, later.Id)
	r.Set("muted", true)
	if err := app.Save(r); err != nil {
		t.Fatalf("muting with a duplicate key: %v", err)
	}
	if got := key(later.Id); got != collections.DuplicateKey(aliceKey, later.Id) {
		t.Errorf("key after muting = %q", got)
	}
	// … nobody new can take either nickname …
	for _, nickname := range []string{"ALICE", "\u0410lice"} {
		taken, err := collections.NicknameTaken(app, circle.Id, names.Key(nickname), "")
		if err != nil || !taken {
			t.Errorf("%q not taken after the migration (%v)", nickname, err)
		}
	}
	// … and a rename gives it a plain key again
	r.Set("nickname", "Zed")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	if got := key(later.Id); got != names.Key("Zed") {
		t.Errorf("key after renaming = %q", got)
	}
}
