package moderation_test

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/filesystem"

	"circly/circlytest"
	"circly/collections"
)

// TestHidingFollowsTheReports: hidden needs HIDE_AT distinct reporters
// with open reports; dismissing restores, actioning keeps it hidden even
// with no open report left, deleting the actioned report restores.
func TestHidingFollowsTheReports(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	w := newWorld(t, app)
	target := w.members[4].Id

	r0 := w.report(t, w.users[0], "member", target)
	r1 := w.report(t, w.users[1], "member", target)
	if w.memberHidden(t, target) {
		t.Fatal("hidden after 2 reporters")
	}
	// a second, dismissed report of the same reporter adds no reporter
	old := w.report(t, w.users[1], "circle", w.circle.Id)
	w.setStatus(t, old, collections.ReportDismissed)
	if w.memberHidden(t, target) || w.circleHidden(t, w.circle.Id) {
		t.Fatal("hidden without 3 distinct open reporters")
	}
	r2 := w.report(t, w.users[2], "member", target)
	if !w.memberHidden(t, target) {
		t.Fatal("not hidden after 3 distinct reporters")
	}
	if w.memberHidden(t, w.members[3].Id) {
		t.Fatal("another member got hidden")
	}

	w.setStatus(t, r2, collections.ReportDismissed)
	if w.memberHidden(t, target) {
		t.Fatal("still hidden after a dismissal left 2 open reports")
	}
	w.setStatus(t, r2, collections.ReportOpen)
	if !w.memberHidden(t, target) {
		t.Fatal("not hidden again after the report was reopened")
	}

	w.setStatus(t, r0, collections.ReportActioned)
	w.setStatus(t, r1, collections.ReportDismissed)
	w.setStatus(t, r2, collections.ReportDismissed)
	if !w.memberHidden(t, target) {
		t.Fatal("an actioned report must keep the member hidden")
	}
	fresh, _ := app.FindRecordById(collections.Reports, r0.Id)
	if err := app.Delete(fresh); err != nil {
		t.Fatal(err)
	}
	if w.memberHidden(t, target) {
		t.Fatal("still hidden after the actioned report was deleted")
	}
}

// TestHidingCircleAndSetting: circles hide the same way, at
// CIRCLY_REPORT_HIDE_AT.
func TestHidingCircleAndSetting(t *testing.T) {
	t.Parallel()
	cfg := circlytest.TestConfig()
	cfg.ReportHideAt = 2
	app, _ := circlytest.NewTestAppWithConfig(t, cfg)
	w := newWorld(t, app)
	w.report(t, w.users[0], "circle", w.circle.Id)
	if w.circleHidden(t, w.circle.Id) {
		t.Fatal("hidden after 1 reporter with HIDE_AT 2")
	}
	w.report(t, w.users[1], "circle", w.circle.Id)
	if !w.circleHidden(t, w.circle.Id) {
		t.Fatal("not hidden after 2 reporters with HIDE_AT 2")
	}
	if w.circleHidden(t, w.other.Id) {
		t.Fatal("another circle got hidden")
	}
}

// TestHiddenIsTheServers: users cannot set hidden on their membership or
// circle, nor start a circle hidden.
func TestHiddenIsTheServers(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	w := newWorld(t, app)
	h := circlytest.Handler(t, app)
	tok := circlytest.Token(t, w.users[0])

	status, body := circlytest.Call(t, h, "PATCH", "/api/collections/members/records/"+w.members[0].Id, tok, map[string]any{"hidden": true})
	if status != 400 || w.memberHidden(t, w.members[0].Id) {
		t.Fatalf("member sets hidden: %d %v", status, body)
	}
	status, body = circlytest.Call(t, h, "PATCH", "/api/collections/circles/records/"+w.circle.Id, tok, map[string]any{"hidden": true})
	if status != 400 || w.circleHidden(t, w.circle.Id) {
		t.Fatalf("creator sets hidden: %d %v", status, body)
	}
	status, body = circlytest.Call(t, h, "POST", "/api/collections/circles/records", tok, map[string]any{"name": "새 서클", "nickname": "me", "hidden": true})
	if status != 200 || body["hidden"] != false || w.circleHidden(t, body["id"].(string)) {
		t.Fatalf("create a hidden circle: %d %v", status, body)
	}
}

func pngFile(t testing.TB) *filesystem.File {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	f, err := filesystem.NewFileFromBytes(buf.Bytes(), "a.png")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestHiddenFilesAreRefused: a hidden member's avatar and a hidden circle's
// image answer 404 to users (also thumbnails), and are served to
// superusers; once shown again they are served.
func TestHiddenFilesAreRefused(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	w := newWorld(t, app)
	h := circlytest.Handler(t, app)

	member := collections.AsMember(w.members[4])
	member.SetAvatar(pngFile(t))
	circle := collections.AsCircle(w.circle)
	circle.SetImage(pngFile(t))
	if err := app.Save(member); err != nil {
		t.Fatal(err)
	}
	if err := app.Save(circle); err != nil {
		t.Fatal(err)
	}
	urls := []string{
		"/api/files/members/" + member.Id + "/" + member.Avatar(),
		"/api/files/members/" + member.Id + "/" + member.Avatar() + "?thumb=100x100",
		"/api/files/circles/" + circle.Id + "/" + circle.Image(),
	}
	userTok := circlytest.Token(t, w.users[1])
	suTok := circlytest.SuperuserHeader(t, app)["Authorization"]
	// circle images and avatars are protected: fetched with a file token
	// of the holder of tok
	fetch := func(url, tok string) int {
		if tok != "" {
			sep := "?"
			if strings.Contains(url, "?") {
				sep = "&"
			}
			url += sep + "token=" + circlytest.FileToken(t, h, tok)
		}
		return circlytest.Do(h, circlytest.Request{Method: "GET", URL: url}).Code
	}
	for _, u := range urls {
		if c := fetch(u, userTok); c != http.StatusOK {
			t.Fatalf("%s before hiding: %d", u, c)
		}
	}

	var reports []*collections.Report
	for i := range 3 {
		reports = append(reports, w.report(t, w.users[i], "member", member.Id), w.report(t, w.users[i], "circle", circle.Id))
	}
	for _, u := range urls {
		if c := fetch(u, userTok); c != http.StatusNotFound {
			t.Errorf("%s hidden, as a user: %d", u, c)
		}
		if c := fetch(u, ""); c != http.StatusNotFound {
			t.Errorf("%s hidden, anonymous: %d", u, c)
		}
		if c := fetch(u, suTok); c != http.StatusOK {
			t.Errorf("%s hidden, as the superuser: %d", u, c)
		}
	}

	for _, r := range reports {
		w.setStatus(t, r, collections.ReportDismissed)
	}
	for _, u := range urls {
		if c := fetch(u, userTok); c != http.StatusOK {
			t.Errorf("%s restored: %d", u, c)
		}
	}
}
