package circles_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/collections"
	"circly/names"
)

// fieldCode returns data.<field>.code of an error answer.
func fieldCode(body map[string]any, field string) string {
	data, _ := body["data"].(map[string]any)
	f, _ := data[field].(map[string]any)
	code, _ := f["code"].(string)
	return code
}

func joinAs(t *testing.T, app core.App, circle *core.Record, nickname string) (int, map[string]any) {
	t.Helper()
	user := circlytest.CreateUser(t, app)
	return circlytest.Call(t, circlytest.Handler(t, app), "POST", "/api/circly/circles/join", circlytest.Token(t, user),
		map[string]any{"invite_code": circle.GetString(collections.FieldCircleInviteCode), "nickname": nickname})
}

// Next to an existing "Alice", every nickname that reads "Alice" is
// refused: look-alike letters as taken (409), invisible and blank-looking
// characters as invalid (400). A look-alike in another circle is fine.
func TestLookAlikeNicknamesRefused(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	owner := circlytest.CreateUser(t, app)
	circle, _ := circlytest.CreateCircle(t, app, owner, "Alice")

	taken := []struct{ name, nickname string }{
		{"Cyrillic A (U+0410)", "\u0410lice"},
		{"Greek Alpha (U+0391)", "\u0391lice"},
		{"Cherokee Go (U+13AA)", "\u13AAlice"},
		{"capital I for l", "AIice"},
		{"digit 1 for l", "A1ice"},
		{"Ukrainian i (U+0456)", "Al\u0456ce"},
		{"Cyrillic es (U+0441)", "Ali\u0441e"},
		{"all capitals", "ALICE"},
		{"full width", "Ａｌｉｃｅ"},
	}
	for _, c := range taken {
		status, body := joinAs(t, app, circle, c.nickname)
		if status != http.StatusConflict || fieldCode(body, "nickname") != "validation_nickname_taken" {
			t.Errorf("%s: join as %q = %d %v, want 409 validation_nickname_taken", c.name, c.nickname, status, body)
		}
	}

	invisible := []struct{ name, nickname string }{
		{"braille blank (U+2800)", "Alice\u2800"},
		{"noncharacter U+FFFF", "Alice\uFFFF"},
		{"Hangul filler (U+3164)", "Alice\u3164"},
		{"half-width Hangul filler (U+FFA0)", "\uFFA0Alice"},
		{"Hangul choseong filler (U+115F)", "Alice\u115F"},
		{"zero-width space", "Ali\u200Bce"},
		{"combining mark alone", "Alice \u0301"},
	}
	for _, c := range invisible {
		status, body := joinAs(t, app, circle, c.nickname)
		if status != http.StatusBadRequest || fieldCode(body, "nickname") != "validation_invalid_nickname" {
			t.Errorf("%s: join as %q = %d %v, want 400 validation_invalid_nickname", c.name, c.nickname, status, body)
		}
	}

	if n := activeMembers(t, app, circle.Id); n != 1 {
		t.Fatalf("active members = %d, want only Alice", n)
	}

	// a different name still joins; a look-alike in another circle is fine
	if status, body := joinAs(t, app, circle, "Alicia"); status != http.StatusOK {
		t.Fatalf("Alicia: %d %v", status, body)
	}
	other, _ := circlytest.CreateCircle(t, app, circlytest.CreateUser(t, app), "Bob")
	if status, body := joinAs(t, app, other, "\u0410lice"); status != http.StatusOK {
		t.Fatalf("Cyrillic Alice in another circle: %d %v", status, body)
	}
}

// Renaming to a look-alike of another member's nickname is taken too.
func TestLookAlikeRenameRefused(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	circle, users, members := circlytest.CircleWithMembers(t, app, 2)
	member := members[1]
	if err := app.Save(func() *core.Record { members[0].Set("nickname", "Alice"); return members[0] }()); err != nil {
		t.Fatal(err)
	}
	_ = circle

	status, body := circlytest.Call(t, h, "PATCH", "/api/collections/members/records/"+member.Id, circlytest.Token(t, users[1]),
		map[string]any{"nickname": "\u0391lice"})
	if status != http.StatusConflict || fieldCode(body, "nickname") != "validation_nickname_taken" {
		t.Fatalf("rename to Greek Alice = %d %v", status, body)
	}
	status, body = circlytest.Call(t, h, "PATCH", "/api/collections/members/records/"+member.Id, circlytest.Token(t, users[1]),
		map[string]any{"nickname": "Alice\u2800"})
	if status != http.StatusBadRequest || fieldCode(body, "nickname") != "validation_invalid_nickname" {
		t.Fatalf("rename with a braille blank = %d %v", status, body)
	}
}

// Blocked words in nicknames (join, circle create, rename) and circle
// names (create, rename): 400 with data.<field>.code validation_blocked_word.
func TestBlockedWords(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	circle, users, members := circlytest.CircleWithMembers(t, app, 2)
	creator, member := users[0], users[1]

	blocked := func(what string, status int, body map[string]any, field string) {
		t.Helper()
		if status != http.StatusBadRequest || fieldCode(body, field) != "validation_blocked_word" {
			t.Errorf("%s = %d %v, want 400 with data.%s.code validation_blocked_word", what, status, body, field)
		}
	}

	for _, nickname := range []string{"씨발", "병 신", "FUCK", "Sh1t", "fu\u0441k", "ｂｉｔｃｈ", "f.u.c.k"} {
		status, body := joinAs(t, app, circle, nickname)
		blocked("join as "+nickname, status, body, collections.FieldMemberNickname)
	}

	status, body := circlytest.Call(t, h, "POST", "/api/collections/circles/records", circlytest.Token(t, creator),
		map[string]any{"name": "우리 개새끼들", "nickname": "Kim"})
	blocked("create a circle with a blocked name", status, body, collections.FieldCircleName)
	status, body = circlytest.Call(t, h, "POST", "/api/collections/circles/records", circlytest.Token(t, creator),
		map[string]any{"name": "Friends", "nickname": "ㅅㅂ"})
	blocked("create a circle with a blocked nickname", status, body, collections.FieldMemberNickname)

	status, body = circlytest.Call(t, h, "PATCH", "/api/collections/circles/records/"+circle.Id, circlytest.Token(t, creator),
		map[string]any{"name": "The Kittens"})
	if status != http.StatusOK {
		t.Errorf("rename the circle to a harmless name = %d %v", status, body)
	}
	status, body = circlytest.Call(t, h, "PATCH", "/api/collections/circles/records/"+circle.Id, circlytest.Token(t, creator),
		map[string]any{"name": "The \u0412itches"}) // Cyrillic capital Ve for B
	blocked("rename the circle with a Cyrillic capital", status, body, collections.FieldCircleName)
	status, body = circlytest.Call(t, h, "PATCH", "/api/collections/circles/records/"+circle.Id, circlytest.Token(t, creator),
		map[string]any{"name": "The B1TCHES"})
	blocked("rename the circle", status, body, collections.FieldCircleName)

	status, body = circlytest.Call(t, h, "PATCH", "/api/collections/members/records/"+members[1].Id, circlytest.Token(t, member),
		map[string]any{"nickname": "미친놈이다"})
	blocked("rename a member", status, body, collections.FieldMemberNickname)

	// nothing of it was saved
	if n, _ := app.CountRecords(collections.Circles); n != 1 {
		t.Errorf("circles = %d", n)
	}
	if got := reloadNickname(t, app, members[1]); got != members[1].GetString("nickname") {
		t.Errorf("nickname changed to %q", got)
	}

	// harmless names that hold a blocked word's letters across words or
	// syllables pass
	for _, nickname := range []string{"push it", "조지", "시발점"} {
		if status, body := joinAs(t, app, circle, nickname); status != http.StatusOK {
			t.Errorf("join as %q = %d %v", nickname, status, body)
		}
	}
}

func reloadNickname(t *testing.T, app core.App, m *core.Record) string {
	t.Helper()
	r, err := app.FindRecordById(collections.Members, m.Id)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetString("nickname")
}

// An operator's word, added in the dashboard (the superuser API), applies
// to the very next request; deleting it lifts it again.
func TestBlockedWordAddedByOperator(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	su := circlytest.SuperuserHeader(t, app)["Authorization"]
	circle, _, _ := circlytest.CircleWithMembers(t, app, 1)

	if status, body := joinAs(t, app, circle, "Grumpkin"); status != http.StatusOK {
		t.Fatalf("before: %d %v", status, body)
	}
	status, body := circlytest.Call(t, h, "POST", "/api/collections/blocked_words/records", su,
		map[string]any{"word": "grumpkin", "note": "local insult"})
	if status != http.StatusOK {
		t.Fatalf("operator create: %d %v", status, body)
	}
	id, _ := body["id"].(string)
	status, body = joinAs(t, app, circle, "GRUMPK1N ")
	if status != http.StatusBadRequest || fieldCode(body, "nickname") != "validation_blocked_word" {
		t.Fatalf("after the operator's word: %d %v", status, body)
	}
	status, body = circlytest.Call(t, h, "POST", "/api/collections/blocked_words/records", su, map[string]any{"word": "!!!"})
	if status != http.StatusBadRequest || fieldCode(body, "word") != "validation_blocked_word_no_letters" {
		t.Fatalf("a word without letters: %d %v", status, body)
	}
	if status, _ := circlytest.Call(t, h, "DELETE", "/api/collections/blocked_words/records/"+id, su, nil); status != http.StatusNoContent {
		t.Fatalf("operator delete: %d", status)
	}
	if status, body := joinAs(t, app, circle, "Grumpkin Two"); status != http.StatusOK {
		t.Fatalf("after the delete: %d %v", status, body)
	}
}

// The starter list is seeded and every word in it is found by its own
// blocklist (no word is left out for having no letters).
func TestBlockedWordsSeeded(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	words, err := collections.BlockedWordList(app)
	if err != nil {
		t.Fatal(err)
	}
	if len(words) < 20 {
		t.Fatalf("%d seeded words", len(words))
	}
	b := names.NewBlocklist(words)
	hasKorean, hasEnglish := false, false
	for _, w := range words {
		if _, ok := b.Find(w); !ok {
			t.Errorf("seeded word %q is not found in itself", w)
		}
		hasKorean = hasKorean || strings.ContainsRune(w, '발')
		hasEnglish = hasEnglish || w == "fuck"
	}
	if !hasKorean || !hasEnglish {
		t.Errorf("starter list lacks Korean or English words: %v", words)
	}
}
