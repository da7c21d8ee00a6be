package server_test

// Abuse controls with the rate limiter on, as the migration sets it: each
// limited route answers 429 in PocketBase's error shape once a client IP
// (or, for join, a user) is over its limit; the public invite preview
// shows nothing but its four fields; and a wrong invite gives nothing away
// beyond 404 (no such invite) or 410 (expired), as API.md says.
//
// httptest requests all come from 192.0.2.1, so one test is one client IP;
// fromIP sends from another.

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"

	"circly/auth"
	"circly/circles"
	"circly/circlytest"
	migrations "circly/pb_migrations"
	"circly/polls"
)

// fromIP sends like send, from the given client address.
func fromIP(w *world, ip, method, target, token string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.RemoteAddr = ip + ":4321"
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

// exhaust sends allowed requests, checks none of them is refused with 429
// (or fails with a 5xx), then checks that the next one is a 429 in
// PocketBase's error shape and returns it.
func exhaust(t *testing.T, allowed int, send func(i int) *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	start := time.Now()
	for i := range allowed {
		rec := send(i)
		checkAnswer(t, "request within the limit", rec)
		if rec.Code == 429 {
			t.Fatalf("request %d of %d allowed: 429 %s", i+1, allowed, rec.Body.String())
		}
	}
	rec := send(allowed)
	if rec.Code != 429 {
		t.Fatalf("request %d: %d, want 429: %s", allowed+1, rec.Code, rec.Body.String())
	}
	checkAnswer(t, "the request over the limit", rec)
	// the limiter's windows are whole seconds; the requests must have
	// fitted in the shortest window tested (10 s)
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("the requests took %v, too long to prove a limit", d)
	}
	return rec
}

func TestAbuseRateLimitsAreOn(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	s := app.Settings().RateLimits
	if !s.Enabled {
		t.Fatal("a test app starts with the rate limiter off; the migration turns it on")
	}
	if want := slices.Concat(migrations.RateLimitRules, migrations.HomeRateLimitRules, migrations.ContinuityRateLimitRules); !slices.Equal(s.Rules, want) {
		t.Fatalf("rules %v, the migrations set %v", s.Rules, want)
	}
	if len(s.ExcludedIPs) != 0 {
		t.Fatalf("excluded IPs %v", s.ExcludedIPs)
	}
}

func TestAbuseDeviceLoginPerIP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, true)
	body := []byte(`{"device_id":"abuse-device-1","device_secret":"` + strings.Repeat("s", 40) + `"}`)
	rec := exhaust(t, 20, func(int) *httptest.ResponseRecorder {
		return send(w.h, "POST", auth.DeviceAuthPath, "", "application/json", body)
	})
	if !strings.Contains(rec.Body.String(), `"message":"Too Many Requests."`) {
		t.Fatalf("429 from somewhere else than PocketBase's limiter: %s", rec.Body.String())
	}
	// the limit is the IP's, not the device's: another IP logs in
	if rec := fromIP(w, "198.51.100.7", "POST", auth.DeviceAuthPath, "", body); rec.Code != 200 {
		t.Fatalf("another IP: %d %s", rec.Code, rec.Body.String())
	}
	// wrong secrets count the same (no unlimited guessing per device)
	wrong := []byte(`{"device_id":"abuse-device-1","device_secret":"` + strings.Repeat("x", 40) + `"}`)
	exhaust(t, 19, func(int) *httptest.ResponseRecorder {
		return fromIP(w, "198.51.100.7", "POST", auth.DeviceAuthPath, "", wrong)
	})
}

func TestAbuseJoinPerIP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, true)
	// three users, 7 wrong codes each: under the per-user limit (10), so
	// the 21st attempt is refused by the per-IP limit (20/min)
	var tokens []string
	for range 3 {
		tokens = append(tokens, circlytest.Token(t, circlytest.CreateUser(t, w.app)))
	}
	rec := exhaust(t, 20, func(i int) *httptest.ResponseRecorder {
		rec := send(w.h, "POST", circles.JoinCirclePath, tokens[i/7], "application/json", []byte(`{"invite_code":"ZZZZZZ","nickname":"guess"}`))
		if i < 20 && rec.Code != 404 {
			t.Fatalf("wrong code: %d %s", rec.Code, rec.Body.String())
		}
		return rec
	})
	if !strings.Contains(rec.Body.String(), `"message":"Too Many Requests."`) {
		t.Fatalf("the 21st attempt was not refused by the per-IP limit: %s", rec.Body.String())
	}
	// a fourth user on another IP is not affected
	other := circlytest.Token(t, circlytest.CreateUser(t, w.app))
	if rec := fromIP(w, "198.51.100.8", "POST", circles.JoinCirclePath, other, []byte(`{"invite_code":"ZZZZZZ","nickname":"guess"}`)); rec.Code != 404 {
		t.Fatalf("another IP: %d %s", rec.Code, rec.Body.String())
	}
}

func TestAbuseJoinCodeGuessingPerUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, true)
	limit := circlytest.TestConfig().JoinPerUserLimit
	if limit != 10 {
		t.Fatalf("JoinPerUserLimit %d; API.md's default is 10", limit)
	}
	guesser := circlytest.Token(t, circlytest.CreateUser(t, w.app))
	codes := []string{"ZZZZZZ", "ABCDEF", "zzzzzz", "XXXXXX", "QQQQQQ", "222222", "999999", "HJKLMN", "PQRSTU", "VWXYZ2", "ABCDEG"}
	rec := exhaust(t, limit, func(i int) *httptest.ResponseRecorder {
		rec := send(w.h, "POST", circles.JoinCirclePath, guesser, "application/json", []byte(`{"invite_code":"`+codes[i]+`","nickname":"guess"}`))
		if i < limit && rec.Code != 404 {
			t.Fatalf("wrong code %s: %d %s", codes[i], rec.Code, rec.Body.String())
		}
		return rec
	})
	if rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "Too many join attempts") {
		t.Fatalf("429 without Retry-After or from another limiter: %v %s", rec.Header(), rec.Body.String())
	}

	// the limit follows the user, not the IP, and a right code does not
	// get through either
	right := []byte(`{"invite_code":"` + w.a.circle.GetString("invite_code") + `","nickname":"guess"}`)
	if rec := fromIP(w, "198.51.100.9", "POST", circles.JoinCirclePath, guesser, right); rec.Code != 429 {
		t.Fatalf("the same user from another IP with the right code: %d %s", rec.Code, rec.Body.String())
	}
	// other users on the same IP still join (the IP has used 12 of 20)
	joiner := circlytest.Token(t, circlytest.CreateUser(t, w.app))
	if rec := send(w.h, "POST", circles.JoinCirclePath, joiner, "application/json", right); rec.Code != 200 {
		t.Fatalf("another user: %d %s", rec.Code, rec.Body.String())
	}
}

func TestAbuseVoteCreatePerIP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, true)
	body := []byte(`{"poll":"` + w.a.poll + `","option":"` + w.a.options[0] + `"}`)
	statuses := map[int]int{}
	exhaust(t, 30, func(i int) *httptest.ResponseRecorder {
		// the same voter again and again: one vote, then "already voted"
		rec := send(w.h, "POST", "/api/collections/votes/records", w.a.tokens[2], "application/json", body)
		statuses[rec.Code]++
		return rec
	})
	if statuses[200] != 1 || statuses[400] != 29 {
		t.Fatalf("answers within the limit: %v, want one 200 and 29 400", statuses)
	}
	total, rows, _ := w.a.counts(t)
	if total != 1 || rows != 1 {
		t.Fatalf("total_votes %d, vote rows %d after one accepted vote", total, rows)
	}
}

func TestAbuseInvitePreviewPerIP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, true)
	link := w.a.circle.GetString("invite_link_id")
	exhaust(t, 60, func(i int) *httptest.ResponseRecorder {
		// known and unknown ids share the IP's budget: scanning is limited
		target := "/api/circly/invites/" + link
		if i%2 == 1 {
			target = "/api/circly/invites/" + strings.Repeat("Q", 23) + string(rune('a'+i%26))
		}
		return send(w.h, "GET", target, "", "", nil)
	})
}

// TestAbuseHomeRoutesPerIP: the feed and the inbox, the heaviest reads,
// have their own budget per IP (60 in 10 s each), shared by the users
// behind it; spending one does not spend the other.
func TestAbuseHomeRoutesPerIP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, true)
	for _, path := range []string{polls.FeedPath, polls.PicksPath} {
		exhaust(t, 60, func(i int) *httptest.ResponseRecorder {
			return send(w.h, "GET", path, w.a.tokens[i%len(w.a.tokens)], "", nil)
		})
	}
}

func TestAbuseInvitePreviewShowsNothingElse(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	rec := send(w.h, "GET", "/api/circly/invites/"+w.a.circle.GetString("invite_link_id"), "", "", nil)
	if rec.Code != 200 {
		t.Fatalf("preview: %d %s", rec.Code, rec.Body.String())
	}
	var preview map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &preview); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(preview))
	if want := []string{"circle_name", "hidden", "invite_expires_at", "max_members", "member_count"}; !slices.Equal(keys, want) {
		t.Fatalf("preview keys %v, want exactly %v", keys, want)
	}
	if preview["circle_name"] != w.a.circle.GetString("name") || preview["member_count"] != float64(4) || preview["max_members"] != float64(50) {
		t.Fatalf("preview %v", preview)
	}
	if _, err := types.ParseDateTime(preview["invite_expires_at"]); err != nil {
		t.Fatalf("invite_expires_at %v: %v", preview["invite_expires_at"], err)
	}
	// nothing that identifies the circle, its invite or its people, anywhere
	// in the answer
	secrets := []string{w.a.circle.Id, w.a.circle.GetString("invite_code"), w.a.circle.GetString("invite_link_id"), w.a.poll}
	for i := range w.a.users {
		secrets = append(secrets, w.a.users[i].Id, w.a.members[i].Id, w.a.members[i].GetString("nickname"))
	}
	for _, s := range secrets {
		if strings.Contains(rec.Body.String(), s) {
			t.Fatalf("the preview shows %q: %s", s, rec.Body.String())
		}
	}
	if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("preview headers %v", rec.Header())
	}
}

// TestAbuseWrongInvitesLookAlike: every invite that does not open a circle
// gets the same answer — status, headers that matter, body byte for byte —
// except an expired one, which API.md answers with 410.
func TestAbuseWrongInvitesLookAlike(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)

	// a replaced invite (the creator made a new one) and an inactive circle
	replaced := w.b.circle.GetString("invite_link_id")
	replacedCode := w.b.circle.GetString("invite_code")
	if rec := send(w.h, "POST", "/api/circly/circles/"+w.b.circle.Id+"/invite", w.b.tokens[0], "", nil); rec.Code != 200 {
		t.Fatalf("new invite: %d %s", rec.Code, rec.Body.String())
	}
	inactive, _ := circlytest.CreateCircle(t, w.app, circlytest.CreateUser(t, w.app), "gone")
	inactive.Set("is_active", false)
	if err := w.app.Save(inactive); err != nil {
		t.Fatal(err)
	}

	type answer struct {
		code        int
		contentType string
		body        string
	}
	get := func(rec *httptest.ResponseRecorder) answer {
		return answer{rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()}
	}

	previews := map[string]string{
		"unknown":           strings.Repeat("Q", 24),
		"malformed (short)": "short",
		"malformed (chars)": strings.Repeat("%C3%A9", 22),
		"too long":          strings.Repeat("A", 65),
		"replaced":          replaced,
		"inactive circle":   inactive.GetString("invite_link_id"),
		"a circle id":       w.a.circle.Id,
		"an invite code":    w.a.circle.GetString("invite_code"),
	}
	var first *answer
	for name, id := range previews {
		a := get(send(w.h, "GET", "/api/circly/invites/"+id, "", "", nil))
		if a.code != 404 {
			t.Fatalf("preview, %s: %d %s", name, a.code, a.body)
		}
		if first == nil {
			first = &a
		} else if a != *first {
			t.Fatalf("preview, %s: %+v differs from %+v", name, a, *first)
		}
	}
	if a := get(send(w.h, "GET", "/api/circly/invites/"+w.expired.GetString("invite_link_id"), "", "", nil)); a.code != 410 {
		t.Fatalf("preview, expired: %+v", a)
	}

	joiner := circlytest.Token(t, circlytest.CreateUser(t, w.app))
	joins := map[string]string{
		"unknown code":      `{"invite_code":"ZZZZZZ","nickname":"x"}`,
		"malformed code":    `{"invite_code":"O0I1","nickname":"x"}`,
		"replaced code":     `{"invite_code":"` + replacedCode + `","nickname":"x"}`,
		"replaced link":     `{"invite_link_id":"` + replaced + `","nickname":"x"}`,
		"inactive circle":   `{"invite_code":"` + inactive.GetString("invite_code") + `","nickname":"x"}`,
		"unknown link":      `{"invite_link_id":"` + strings.Repeat("Q", 24) + `","nickname":"x"}`,
		"malformed link":    `{"invite_link_id":"../../etc/passwd","nickname":"x"}`,
		"a circle id":       `{"invite_link_id":"` + w.a.circle.Id + `","nickname":"x"}`,
		"a lower-case link": `{"invite_link_id":"` + strings.ToLower(w.a.circle.GetString("invite_link_id")) + `","nickname":"x"}`,
	}
	if lower := strings.ToLower(w.a.circle.GetString("invite_link_id")); lower == w.a.circle.GetString("invite_link_id") {
		delete(joins, "a lower-case link") // no letter to change case
	}
	first = nil
	for name, body := range joins {
		a := get(send(w.h, "POST", circles.JoinCirclePath, joiner, "application/json", []byte(body)))
		if a.code != 404 {
			t.Fatalf("join, %s: %d %s", name, a.code, a.body)
		}
		if first == nil {
			first = &a
		} else if a != *first {
			t.Fatalf("join, %s: %+v differs from %+v", name, a, *first)
		}
	}
	if a := get(send(w.h, "POST", circles.JoinCirclePath, joiner, "application/json",
		[]byte(`{"invite_code":"`+strings.ToLower(w.expired.GetString("invite_code"))+`","nickname":"x"}`))); a.code != 410 {
		t.Fatalf("join, expired: %+v", a)
	}
}
