package server_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"circly/auth"
	"circly/circles"
	"circly/circlytest"
)

// badTarget is where one bad-input case goes: the path, the caller's token
// and the ids its body may use ($VICTIM: a members id of the circle).
type badTarget struct {
	path, token string
	vars        map[string]string
}

// badRoute is one of the routes under test and how to reach it.
type badRoute struct {
	name, method string
	// prepare returns the target; routes that change state (invite,
	// leave, remove) get a fresh circle per case
	prepare func(t testing.TB, w *world) badTarget
	// field is a string field of the body that oversized and invalid
	// UTF-8 bodies stuff; valid is a body the route accepts
	field, valid string
}

func badRoutes() []badRoute {
	fixed := func(path func(w *world) string, token func(w *world) string) func(testing.TB, *world) badTarget {
		return func(_ testing.TB, w *world) badTarget { return badTarget{path: path(w), token: token(w)} }
	}
	anon := func(*world) string { return "" }
	member := func(i int) func(w *world) string { return func(w *world) string { return w.a.tokens[i] } }
	stranger := func(w *world) string { return w.strangerTokens[0] }
	path := func(p string) func(*world) string { return func(*world) string { return p } }
	// a fresh circle: creator + one member; the creator calls
	fresh := func(action string) func(testing.TB, *world) badTarget {
		return func(t testing.TB, w *world) badTarget {
			creator := circlytest.CreateUser(t, w.app)
			circle, _ := circlytest.CreateCircle(t, w.app, creator, "boss")
			victim := circlytest.AddMember(t, w.app, circle, circlytest.CreateUser(t, w.app), "victim")
			return badTarget{
				path:  "/api/circly/circles/" + circle.Id + "/" + action,
				token: circlytest.Token(t, creator),
				vars:  map[string]string{"$VICTIM": victim.Id},
			}
		}
	}
	secret := strings.Repeat("s", 40)
	return []badRoute{
		{name: "device login", method: "POST", prepare: fixed(path(auth.DeviceAuthPath), anon),
			field: "device_id", valid: `{"device_id":"bad-input-device","device_secret":"` + secret + `"}`},
		{name: "join", method: "POST", prepare: func(t testing.TB, w *world) badTarget {
			// a fresh user per case: once in, a join answers 200 whatever the nickname
			return badTarget{path: circles.JoinCirclePath, token: circlytest.Token(t, circlytest.CreateUser(t, w.app))}
		},
			field: "nickname", valid: `{"invite_code":"$CODE","nickname":"joiner"}`},
		{name: "circle create", method: "POST", prepare: fixed(path("/api/collections/circles/records"), stranger),
			field: "name", valid: `{"name":"new circle","nickname":"maker"}`},
		{name: "member update", method: "PATCH", prepare: fixed(func(w *world) string {
			return "/api/collections/members/records/" + w.a.members[3].Id
		}, member(3)), field: "nickname", valid: `{"nickname":"renamed"}`},
		{name: "poll create", method: "POST", prepare: fixed(path("/api/collections/polls/records"), member(0)),
			field: "deadline", valid: `{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`},
		{name: "vote", method: "POST", prepare: fixed(path("/api/collections/votes/records"), member(2)),
			field: "poll", valid: `{"poll":"$POLL","option":"$OPTION_A"}`},
		{name: "results", method: "GET", prepare: fixed(func(w *world) string {
			return "/api/circly/polls/" + w.a.poll + "/results"
		}, member(0)), field: "poll", valid: ``},
		{name: "invite", method: "POST", prepare: fresh("invite"), field: "id", valid: ``},
		{name: "leave", method: "POST", prepare: fresh("leave"), field: "id", valid: ``},
		{name: "remove", method: "POST", prepare: fresh("remove"), field: "member", valid: `{"member":"$VICTIM"}`},
		{name: "preview", method: "GET", prepare: fixed(func(w *world) string {
			return "/api/circly/invites/" + w.a.circle.GetString("invite_link_id")
		}, anon), field: "x", valid: ``},
	}
}

// bigBody streams prefix, n bytes of 'a' and suffix without holding them.
type bigBody struct {
	parts []string
	n     int64
	stage int
}

func newBigBody(prefix string, n int64, suffix string) *bigBody {
	return &bigBody{parts: []string{prefix, "", suffix}, n: n}
}

func (b *bigBody) size() int64 { return int64(len(b.parts[0])) + b.n + int64(len(b.parts[2])) }

func (b *bigBody) Read(p []byte) (int, error) {
	for b.stage < 3 {
		switch {
		case b.stage == 1 && b.n > 0:
			k := min(int64(len(p)), b.n)
			for i := range k {
				p[i] = 'a'
			}
			b.n -= k
			return int(k), nil
		case b.stage != 1 && b.parts[b.stage] != "":
			k := copy(p, b.parts[b.stage])
			b.parts[b.stage] = b.parts[b.stage][k:]
			return k, nil
		}
		b.stage++
	}
	return 0, io.EOF
}

// oversize is the body size of the oversized cases: over PocketBase's
// default 32 MB limit; the circles and members routes allow 32 MB more
// 10 MB per file field, so they read (and refuse) it.
const oversize = 40 << 20

// badCase is one row of the table; want is the status the route answers.
type badCase struct {
	route, name string
	ctype       string
	body        func(w *world, tg badTarget) io.Reader
	streamed    bool // no Content-Length: the body limit trips while reading
	path        func(w *world, tg badTarget) string
	want        int
}

func jsonBody(s string) func(*world, badTarget) io.Reader {
	return func(w *world, tg badTarget) io.Reader { return strings.NewReader(tg.expand(w, s)) }
}

// expand replaces the target's and the world's placeholders, and
// "$NOW+N" / "$NOW-N" with the datetime N seconds from now.
func (tg badTarget) expand(w *world, s string) string {
	for k, v := range tg.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	if i := strings.Index(s, "$NOW"); i >= 0 {
		var secs int64
		rest := s[i+len("$NOW"):]
		end := strings.IndexByte(rest, '"')
		if _, err := fmt.Sscanf(rest[:end], "%d", &secs); err == nil {
			s = s[:i] + deadlineIn(time.Duration(secs)*time.Second) + rest[end:]
		}
	}
	return w.expand(s)
}

// genericCases are the rows every route gets; wants holds each route's
// answers in order: 40 MB with Content-Length, 40 MB streamed, text/plain,
// multipart junk, multipart without boundary, JSON header on a form body,
// invalid UTF-8 in a JSON string, invalid UTF-8 in a form value, and a
// form key that is not UTF-8.
func genericCases(r badRoute, wants [9]int) []badCase {
	big := func(*world, badTarget) io.Reader {
		return newBigBody(`{"`+r.field+`":"`, oversize, `"}`)
	}
	form := strings.NewReplacer(`{"`, ``, `":"`, `=`, `","`, `&`, `"}`, ``).Replace(r.valid)
	if form == "" {
		form = r.field + "=x"
	}
	cases := []badCase{
		{name: "40 MB body with Content-Length", ctype: "application/json", body: big},
		{name: "40 MB body streamed", ctype: "application/json", body: big, streamed: true},
		{name: "text/plain", ctype: "text/plain", body: jsonBody(r.valid + "{}")},
		{name: "multipart with junk", ctype: "multipart/form-data; boundary=xYzZY", body: jsonBody("--xYzZY\r\nContent-Disposition: junk\r\n\r\n\x00\xff--")},
		{name: "multipart without boundary", ctype: "multipart/form-data", body: jsonBody("--\r\n\r\n")},
		{name: "application/json with a form body", ctype: "application/json", body: jsonBody(form)},
		{name: "invalid UTF-8 in a JSON string", ctype: "application/json", body: jsonBody(`{"` + r.field + "\":\"ab\xff\xfecd\"}")},
		{name: "invalid UTF-8 in a form value", ctype: "application/x-www-form-urlencoded", body: jsonBody(r.field + "=ab%ff%fecd")},
		{name: "form key not UTF-8", ctype: "application/x-www-form-urlencoded", body: jsonBody(form + "&%ff%fe=1")},
	}
	for i := range cases {
		cases[i].route = r.name
		cases[i].want = wants[i]
	}
	return cases
}
