package server_test

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"circly/circlytest"
	"circly/collections"
)

// pngBytes is a small valid PNG (thumbnails can be made of it).
func pngBytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// attach stores a PNG in a record's file field and returns its file name.
func attach(t testing.TB, app core.App, r *core.Record, field string) string {
	t.Helper()
	f, err := filesystem.NewFileFromBytes(pngBytes(t), "pic.png")
	if err != nil {
		t.Fatal(err)
	}
	r.Set(field, f)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r.GetString(field)
}

// API.md §10: circle images and avatars are protected files. A fetch needs
// a file token of a user the collection's view rule lets read the record:
// a member's works, for the picture and its thumbnails; none, a stranger's,
// a former member's, a disabled user's or an auth token in its place get
// 404 (PocketBase's answer for a protected file it will not serve), and a
// member removed from the circle loses access with the token it already
// had.
func TestProtectedFiles(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	h := circlytest.Handler(t, w.app)

	// file tokens made while every role could still ask for one
	w.users[roleDisabled].Set(collections.FieldUserIsActive, true)
	if err := w.app.Save(w.users[roleDisabled]); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, who := range []string{roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer, roleDisabled, "member2"} {
		tokens[who] = circlytest.FileToken(t, h, circlytest.Token(t, w.users[who]))
	}
	tokens[roleSuperuser] = circlytest.FileToken(t, h, w.tokens[roleSuperuser])
	w.users[roleDisabled].Set(collections.FieldUserIsActive, false)
	if err := w.app.Save(w.users[roleDisabled]); err != nil {
		t.Fatal(err)
	}

	image := attach(t, w.app, w.circle, collections.FieldCircleImage)
	avatar := attach(t, w.app, w.members["member2"], collections.FieldMemberAvatar)
	files := map[string]string{
		"circle image":  "/api/files/" + collections.Circles + "/" + w.circle.Id + "/" + image,
		"member avatar": "/api/files/" + collections.Members + "/" + w.members["member2"].Id + "/" + avatar,
	}
	fetch := func(url, token string) int {
		if token != "" {
			url += "&token=" + token
		}
		return circlytest.Do(h, circlytest.Request{Method: "GET", URL: url}).Code
	}
	readers := map[string]bool{roleMember: true, roleCreator: true, "member2": true, roleSuperuser: true}

	for name, base := range files {
		for _, variant := range []string{"?", "?thumb=100x100", "?thumb=300x300"} {
			url := base + variant
			if got := fetch(url, ""); got != 404 {
				t.Errorf("%s%s without a token: %d, want 404", name, variant, got)
			}
			if got := fetch(url, w.tokens[roleMember]); got != 404 {
				t.Errorf("%s%s with an auth token as file token: %d, want 404", name, variant, got)
			}
			for who, token := range tokens {
				want := 404
				if readers[who] {
					want = 200
				}
				if got := fetch(url, token); got != want {
					t.Errorf("%s%s with %s's file token: %d, want %d", name, variant, who, got, want)
				}
			}
		}
	}

	// the creator removes member2: its token no longer opens anything
	status, body := call(t, h, "POST", "/api/circly/circles/"+w.circle.Id+"/remove", w.tokens[roleCreator],
		map[string]any{"member": w.members["member2"].Id})
	if status != 200 && status != 204 {
		t.Fatalf("remove: %d %v", status, body)
	}
	for name, base := range files {
		for _, variant := range []string{"?", "?thumb=100x100"} {
			if got := fetch(base+variant, tokens["member2"]); got != 404 {
				t.Errorf("%s%s with the removed member's token: %d, want 404", name, variant, got)
			}
			if got := fetch(base+variant, tokens[roleMember]); got != 200 {
				t.Errorf("%s%s with a remaining member's token: %d, want 200", name, variant, got)
			}
		}
	}
}

// The app's way to a picture (docs/API.md): a file token from POST
// /api/files/token, valid PocketBase's default 3 minutes for users.
func TestFileTokenLifetime(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	users, err := app.FindCollectionByNameOrId(collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	if d := users.FileToken.Duration; d != 180 {
		t.Fatalf("users' file tokens last %d s; docs/API.md says 3 minutes", d)
	}
	for _, c := range []struct{ collection, field string }{
		{collections.Circles, collections.FieldCircleImage},
		{collections.Members, collections.FieldMemberAvatar},
	} {
		col, err := app.FindCollectionByNameOrId(c.collection)
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := col.Fields.GetByName(c.field).(*core.FileField); !ok || !f.Protected {
			t.Fatalf("%s.%s is not a protected file field", c.collection, c.field)
		}
	}
}
