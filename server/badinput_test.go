package server_test

// Bad input, route by route: oversized bodies, wrong content types,
// invalid UTF-8, hostile nicknames, deadlines at the edges and ids that
// point at the wrong thing. Every answer is a 4xx in PocketBase's error
// shape (or the success the contract promises at an edge); the table
// records which one.

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"circly/circlytest"
)

func TestBadInput(t *testing.T) {
	t.Parallel()
	w := newWorld(t, false)
	// nicknames in circle A that the confusable cases aim at (A already
	// has "member0", its creator)
	for _, n := range []string{"ㅋㅋ", "ᄒᄒ", "❤️", "ᏃᏣ", "fish"} {
		circlytest.AddMember(t, w.app, w.a.circle, circlytest.CreateUser(t, w.app), n)
	}
	routes := map[string]badRoute{}
	for _, r := range badRoutes() {
		routes[r.name] = r
	}

	var cases []badCase
	// Answers per route, in genericCases' order. A 40 MB body is over
	// PocketBase's 32 MB limit (413), except on circles and members, whose
	// file fields raise the limit to 42 MB: there the body is read and its
	// field refused (400). Results and preview never read a body and answer
	// as usual; leave reads it (like every route acting for a signed-in
	// user) and refuses a malformed one; custom routes ignore unknown keys
	// (the last column).
	generic := map[string][9]int{
		//              40MB  40MB~ text  mp-junk mp-no-bnd json/form utf8-json utf8-form key
		"device login":  {413, 413, 400, 400, 400, 400, 400, 400, 200},
		"join":          {413, 413, 400, 400, 400, 400, 400, 400, 200},
		"circle create": {400, 400, 400, 400, 400, 400, 400, 400, 200},
		"member update": {400, 400, 400, 400, 400, 400, 400, 400, 400},
		"poll create":   {413, 413, 400, 400, 400, 400, 400, 400, 400},
		"vote":          {413, 413, 400, 400, 400, 400, 400, 400, 400},
		"results":       {413, 200, 200, 200, 200, 200, 200, 200, 200},
		"invite":        {413, 413, 400, 400, 400, 400, 400, 200, 200},
		"leave":         {413, 413, 400, 400, 400, 400, 400, 204, 204},
		"remove":        {413, 413, 400, 400, 400, 400, 400, 404, 200},
		"preview":       {413, 200, 200, 200, 200, 200, 200, 200, 200},
	}
	for _, r := range badRoutes() {
		cases = append(cases, genericCases(r, generic[r.name])...)
	}

	on := func(route string, rows ...badCase) {
		for _, c := range rows {
			c.route = route
			cases = append(cases, c)
		}
	}
	j := func(name, body string, want int) badCase {
		return badCase{name: name, ctype: "application/json", body: jsonBody(body), want: want}
	}
	xml := func(name, body string, want int) badCase {
		return badCase{name: name, ctype: "text/xml", body: jsonBody(body), want: want}
	}
	at := func(name string, path func(w *world) string, want int) badCase {
		return badCase{name: name, path: func(w *world, _ badTarget) string { return path(w) }, want: want}
	}
	long := strings.Repeat("x", 10<<10)
	secret := strings.Repeat("s", 40)

	on("device login",
		j("10 KB device id", `{"device_id":"`+long+`","device_secret":"`+secret+`"}`, 400),
		j("10 KB secret", `{"device_id":"bad-input-device-2","device_secret":"`+long+`"}`, 400),
		j("device id with path traversal", `{"device_id":"../../../etc","device_secret":"`+secret+`"}`, 400),
		j("numbers for strings", `{"device_id":12345678,"device_secret":12345678901234567890123456789012}`, 400),
		xml("an XML body", `<d><device_id>bad-input-xml</device_id><device_secret>`+secret+`</device_secret></d>`, 400),
		xml("an XML body with Go field names", `<d><DeviceId>bad-input-xml</DeviceId><DeviceSecret>`+secret+`</DeviceSecret></d>`, 400),
	)

	nick := func(name, nickname string, want int) badCase {
		return j(name, `{"invite_code":"$CODE","nickname":"`+nickname+`"}`, want)
	}
	on("join",
		nick("10 KB nickname", strings.Repeat("가", 10<<10/3), 400),
		nick("only spaces", "   \u3000\u00a0 ", 400),
		nick("only zero-width characters", "\u200b\u200c\u2060\ufeff", 400),
		nick("spaces around a zero-width space", " \u200b ", 400),
		nick("only a Hangul filler", "\u3164\u3164", 400),
		nick("only a braille blank", "\u2800", 400),
		nick("taken, other case", "MEMBER0", 409),
		nick("taken, full-width", "ｍｅｍｂｅｒ0", 409),
		nick("taken, full-width capitals", "ＭＥＭＢＥＲ０", 409),
		nick("taken, conjoining jamo for compatibility jamo", "ᄏᄏ", 409),
		nick("taken, compatibility jamo for conjoining jamo", "ㅎㅎ", 409),
		nick("taken, emoji without variation selector", "❤", 409),
		nick("taken, Cherokee small letters for capitals", "ꮓꮳ", 409),
		nick("taken, Cherokee mixed case", "Ꮓꮳ", 409),
		nick("taken, ligature", "ﬁsh", 409),
		j("invite_link_id with path traversal", `{"invite_link_id":"../../../../etc/passwd","nickname":"x"}`, 404),
		j("10 KB invite_link_id", `{"invite_link_id":"`+long+`","nickname":"x"}`, 404),
		j("a circle id as invite_link_id", `{"invite_link_id":"$CIRCLE","nickname":"x"}`, 404),
		j("a circle id as invite_code", `{"invite_code":"$CIRCLE","nickname":"x"}`, 404),
		j("an expired code", `{"invite_code":"$EXPIRED_CODE","nickname":"x"}`, 410),
		j("a full circle", `{"invite_code":"$FULL_CODE","nickname":"x"}`, 409),
		j("code and link", `{"invite_code":"$CODE","invite_link_id":"$LINK","nickname":"x"}`, 400),
		xml("an XML body", `<j><invite_code>$CODE</invite_code><nickname>xml</nickname></j>`, 400),
		xml("an XML body with Go field names", `<j><InviteCode>$CODE</InviteCode><Nickname>xml</Nickname></j>`, 400),
	)

	on("circle create",
		j("10 KB nickname", `{"name":"c","nickname":"`+long+`"}`, 400),
		j("nickname of spaces", `{"name":"c","nickname":"   "}`, 400),
		j("nickname of zero-width characters", `{"name":"c","nickname":"\u200b\u200d"}`, 400),
		j("10 KB name", `{"name":"`+long+`","nickname":"maker"}`, 400),
		j("max_members not a number", `{"name":"c","nickname":"maker","max_members":"many"}`, 400),
		j("max_members 51", `{"name":"c","nickname":"maker","max_members":51}`, 400),
		j("max_members -1", `{"name":"c","nickname":"maker","max_members":-1}`, 400),
		j("max_members 1e308", `{"name":"c","nickname":"maker","max_members":1e308}`, 400),
		j("a chosen invite code", `{"name":"c","nickname":"maker","invite_code":"AAAAAA"}`, 200),
	)

	rename := func(name, nickname string, want int) badCase {
		return j(name, `{"nickname":"`+nickname+`"}`, want)
	}
	on("member update",
		rename("10 KB nickname", long, 400),
		rename("only spaces", "    ", 400),
		rename("only zero-width characters", "\u200b\u200b", 400),
		rename("taken, full-width capitals", "ＭＥＭＢＥＲ０", 409),
		rename("taken, conjoining jamo", "ᄏᄏ", 409),
		rename("taken, Cherokee small letters", "ꮓꮳ", 409),
		j("another field", `{"is_active":false}`, 400),
		at("a circle id as the member id", func(w *world) string { return "/api/collections/members/records/" + w.a.circle.Id }, 404),
		at("another member's id", func(w *world) string { return "/api/collections/members/records/" + w.a.members[1].Id }, 403), // a member of the same circle: it sees the row
		at("path traversal", func(*world) string { return "/api/collections/members/records/..%2F..%2Fusers" }, 404),
		at("10 KB id", func(*world) string { return "/api/collections/members/records/" + long }, 404),
	)

	deadline := func(name, value string, want int) badCase {
		return j(name, `{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":`+value+`}`, want)
	}
	// a deadline relative to the moment the request is sent
	quoted := func(d time.Duration) string { return fmt.Sprintf(`"$NOW%+d"`, int64(d/time.Second)) }
	on("poll create",
		deadline("deadline now+59s", quoted(59*time.Second), 400),
		deadline("deadline now+61s", quoted(61*time.Second), 200),
		deadline("deadline now+7d-1min", quoted(7*24*time.Hour-time.Minute), 200),
		deadline("deadline now+7d+1min", quoted(7*24*time.Hour+time.Minute), 400),
		deadline("deadline in the past", quoted(-time.Hour), 400),
		deadline("deadline not a date", `"next friday"`, 400),
		deadline("deadline a number", `1893456000`, 400),
		deadline("deadline negative", `-1`, 400),
		deadline("deadline year 9999", `"9999-12-31 23:59:59.999Z"`, 400),
		deadline("deadline an object", `{"at":"tomorrow"}`, 400),
		deadline("deadline empty", `""`, 400),
		j("a poll id as the circle", `{"circle":"$POLL","template":"$TEMPLATE","deadline":"$DEADLINE"}`, 403),
		j("a user id as the circle", `{"circle":"$USER","template":"$TEMPLATE","deadline":"$DEADLINE"}`, 403),
		j("a circle id as the template", `{"circle":"$CIRCLE","template":"$CIRCLE","deadline":"$DEADLINE"}`, 404),
		j("a circle the caller is not in", `{"circle":"$OTHER_CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`, 403),
		j("circle with path traversal", `{"circle":"../$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`, 403),
		j("10 KB circle id", `{"circle":"`+long+`","template":"$TEMPLATE","deadline":"$DEADLINE"}`, 403),
		j("a server field", `{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","status":"closed"}`, 400),
	)

	vote := func(name, poll, option string, want int) badCase {
		return j(name, `{"poll":"`+poll+`","option":"`+option+`"}`, want)
	}
	on("vote",
		vote("a circle id as the poll", "$CIRCLE", "$OPTION_A", 404),
		vote("a user id as the poll", "$USER", "$OPTION_A", 404),
		vote("an option of another poll", "$POLL", "$FOREIGN_OPTION", 400),
		vote("a member id as the option", "$POLL", "$MEMBER", 400),
		vote("the poll id as the option", "$POLL", "$POLL", 400),
		vote("poll with path traversal", "../../$POLL", "$OPTION_A", 404),
		vote("10 KB poll id", long, "$OPTION_A", 404),
		vote("10 KB option id", "$POLL", long, 400),
		vote("own option", "$POLL", "$OPTION_B", 400),
		j("a member field", `{"poll":"$POLL","option":"$OPTION_A","member":"$MEMBER"}`, 400),
	)

	results := func(name, id string, want int) badCase {
		return at(name, func(w *world) string { return "/api/circly/polls/" + w.expand(id) + "/results" }, want)
	}
	on("results",
		results("a circle id as the poll", "$CIRCLE", 404),
		results("an option id as the poll", "$OPTION_A", 404),
		results("a poll of another circle", "$OTHER_POLL", 404),
		results("path traversal", "..%2F..%2F$POLL", 404),
		results("10 KB id", long, 404),
	)

	circleRoute := func(action string) func(name, id string, want int) badCase {
		return func(name, id string, want int) badCase {
			return at(name, func(w *world) string { return "/api/circly/circles/" + w.expand(id) + "/" + action }, want)
		}
	}
	for _, action := range []string{"invite", "leave", "remove"} {
		c := circleRoute(action)
		on(action,
			c("a poll id as the circle", "$POLL", 404),
			c("a user id as the circle", "$USER", 404),
			c("path traversal", "..%2F$CIRCLE", 404),
			c("10 KB id", long, 404),
		)
	}
	on("remove",
		j("a circle id as the member", `{"member":"$CIRCLE"}`, 404),
		j("a user id as the member", `{"member":"$USER"}`, 404),
		j("a member of another circle", `{"member":"$MEMBER"}`, 404),
		j("an option id as the member", `{"member":"$OPTION_A"}`, 404),
		j("path traversal", `{"member":"../$VICTIM"}`, 404),
		j("10 KB member id", `{"member":"`+long+`"}`, 404),
		j("member not a string", `{"member":["$VICTIM"]}`, 400),
		xml("an XML body", `<r><member>$VICTIM</member></r>`, 400),
		xml("an XML body with Go field names", `<r><Member>$VICTIM</Member></r>`, 400),
	)
	on("invite", xml("an XML body", `<i/>`, 400))

	preview := func(name, id string, want int) badCase {
		return at(name, func(w *world) string { return "/api/circly/invites/" + w.expand(id) }, want)
	}
	on("preview",
		preview("a circle id", "$CIRCLE", 404),
		preview("the invite code", "$CODE", 404),
		preview("path traversal", "..%2F..%2Fetc%2Fpasswd", 404),
		preview("10 KB id", long, 404),
		preview("expired", "$EXPIRED_LINK", 410),
		preview("percent-encoded invalid UTF-8", "%ff%fe%fd%fc%fb%fa%f9%f8%f7%f6%f5%f4%f3%f2%f1%f0%ef%ee%ed%ec%eb%ea", 404),
	)

	for _, c := range cases {
		r := routes[c.route]
		tg := r.prepare(t, w)
		target := tg.path
		if c.path != nil {
			target = c.path(w, tg)
		}
		var body io.Reader
		if c.body != nil {
			body = c.body(w, tg)
		} else if r.valid != "" {
			body = jsonBody(r.valid)(w, tg)
		}
		req := httptest.NewRequest(r.method, target, body)
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		} else if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if bb, ok := body.(*bigBody); ok {
			req.ContentLength = bb.size()
			if c.streamed {
				req.ContentLength = -1
			}
		}
		if tg.token != "" {
			req.Header.Set("Authorization", tg.token)
		}
		rec := httptest.NewRecorder()
		w.h.ServeHTTP(rec, req)

		what := fmt.Sprintf("%s / %s", c.route, c.name)
		if testing.Verbose() {
			t.Logf("%-14s %-48s %d", c.route, c.name, rec.Code)
		}
		if err := answerProblem(rec); err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		if rec.Code != c.want {
			t.Errorf("%s: %d, the table says %d: %s", what, rec.Code, c.want, truncate(rec.Body.String(), 300))
		}
	}
}
