package server_test

// Fuzz targets: whatever a client sends, Circly answers below 500 and, for
// errors, in PocketBase's JSON error shape {status, message, data}.
//
// Each target builds its app once (outside f.Fuzz) and sends every input
// through the app's full handler (routes, middlewares, hooks), so one input
// costs one request. Rate limits are off in these apps: abuse_test.go checks
// them. Seeds are both f.Add calls and files under testdata/fuzz/FuzzX.
//
//	go test -run '^$' -fuzz '^FuzzVoteBody$' -fuzztime 1m ./hooks
//
// Bodies may carry placeholders ($CIRCLE, $POLL, $OPTION_A, $CODE, …; see
// world.expand) that are replaced with the ids of the target's app, so the
// fuzzer reaches the paths behind valid ids too.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/auth"
	"circly/circles"
	"circly/circlytest"
)

// world is one app holding every kind of record the fuzz targets and the
// bad-input tables aim at.
type world struct {
	app *tests.TestApp
	h   http.Handler

	a *pollFixture // circle A: users[0] (creator, made the poll) + 3 members, open anonymous poll
	b *pollFixture // circle B: 3 members, its own open poll

	template *core.Record
	expired  *core.Record // an active circle whose invite expired
	full     *core.Record // an active circle at max_members (2)

	strangers      []*core.Record // signed-in users in no circle of A or B
	strangerTokens []string
}

// newWorld builds a world; limits says whether the migration's rate limits
// stay on.
func newWorld(t testing.TB, limits bool) *world {
	t.Helper()
	cfg := circlytest.TestConfig()
	if !limits {
		cfg.JoinPerUserLimit = 0
	}
	app, _ := circlytest.NewTestAppWithConfig(t, cfg)
	w := &world{app: app}
	w.a = newPollFixture(t, app, 4, true) // turns the rate limiter off
	w.b = newPollFixture(t, app, 3, true)
	app.Settings().RateLimits.Enabled = limits
	w.h = w.a.handler
	w.template = circlytest.FirstTemplate(t, app)

	for range 3 {
		u := circlytest.CreateUser(t, app)
		w.strangers = append(w.strangers, u)
		w.strangerTokens = append(w.strangerTokens, circlytest.Token(t, u))
	}

	owner := circlytest.CreateUser(t, app)
	w.expired, _ = circlytest.CreateCircle(t, app, owner, "owner")
	past, _ := types.ParseDateTime(time.Now().Add(-time.Minute))
	w.expired.Set("invite_expires_at", past)
	if err := app.Save(w.expired); err != nil {
		t.Fatal(err)
	}

	w.full, _ = circlytest.CreateCircle(t, app, owner, "owner")
	circlytest.AddMember(t, app, w.full, circlytest.CreateUser(t, app), "second")
	w.full.Set("max_members", 2)
	if err := app.Save(w.full); err != nil {
		t.Fatal(err)
	}
	return w
}

// deadlineIn formats now+d as a PocketBase datetime.
func deadlineIn(d time.Duration) string {
	return time.Now().Add(d).UTC().Format("2006-01-02 15:04:05.000Z")
}

// expand replaces the placeholders of a fuzz body with the world's ids.
// Longer names come first: a replacer tries the old strings in order.
func (w *world) expand(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return strings.NewReplacer(
		"$OTHER_CIRCLE", w.b.circle.Id,
		"$OTHER_POLL", w.b.poll,
		"$FOREIGN_OPTION", w.b.options[0],
		"$EXPIRED_CODE", w.expired.GetString("invite_code"),
		"$EXPIRED_LINK", w.expired.GetString("invite_link_id"),
		"$FULL_CODE", w.full.GetString("invite_code"),
		"$CODE_LOWER", strings.ToLower(w.a.circle.GetString("invite_code")),
		"$OPTION_A", w.a.options[0],
		"$OPTION_B", w.a.options[1],
		"$TEMPLATE", w.template.Id,
		"$DEADLINE", deadlineIn(time.Hour),
		"$CIRCLE", w.a.circle.Id,
		"$MEMBER", w.a.members[1].Id,
		"$POLL", w.a.poll,
		"$USER", w.a.users[1].Id,
		"$CODE", w.a.circle.GetString("invite_code"),
		"$LINK", w.a.circle.GetString("invite_link_id"),
	).Replace(s)
}

// caller returns the token of A's member i (0..3) or, from 4 on, of a
// stranger: fuzz targets pick the caller with one byte.
func (w *world) caller(who byte) string {
	n := int(who) % (len(w.a.tokens) + len(w.strangerTokens))
	if n < len(w.a.tokens) {
		return w.a.tokens[n]
	}
	return w.strangerTokens[n-len(w.a.tokens)]
}

// contentTypes are the content types the body targets pick from with one
// byte: JSON most of the time, then everything PocketBase's body binding
// knows, and some it does not.
var contentTypes = []string{
	"application/json",
	"application/json; charset=utf-8",
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=xYzZY",
	"multipart/form-data",
	"text/xml",
	"text/plain",
	"",
}

func contentType(ct byte) string {
	if ct >= 128 {
		return contentTypes[0]
	}
	return contentTypes[int(ct)%len(contentTypes)]
}

// send sends one request through h. body may be nil; contentType "" sends
// no Content-Type header. The request comes from httptest's 192.0.2.1.
func send(h http.Handler, method, target, token, contentType string, body []byte) *httptest.ResponseRecorder {
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rdr)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkAnswer fails the test on a 5xx and, for any other error status,
// unless the body is PocketBase's JSON error shape with the same status.
func checkAnswer(t testing.TB, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if err := answerProblem(rec); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func answerProblem(rec *httptest.ResponseRecorder) error {
	if rec.Code >= 500 {
		return fmt.Errorf("status %d: %s", rec.Code, truncate(rec.Body.String(), 500))
	}
	if rec.Code < 400 {
		return nil
	}
	return errorShapeProblem(rec.Code, rec.Header(), rec.Body.Bytes())
}

// errorShapeProblem says what is wrong with an error answer, or nil when it
// is {status, message, data} with status = the HTTP status.
func errorShapeProblem(code int, header http.Header, body []byte) error {
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Errorf("status %d with Content-Type %q: %s", code, ct, truncate(string(body), 300))
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("status %d with a body that is no JSON object (%v): %s", code, err, truncate(string(body), 300))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"data", "message", "status"}) {
		return fmt.Errorf("status %d with keys %v, want [data message status]: %s", code, keys, truncate(string(body), 300))
	}
	if s, ok := m["status"].(float64); !ok || int(s) != code {
		return fmt.Errorf("status %d but body status %v", code, m["status"])
	}
	if msg, ok := m["message"].(string); !ok || msg == "" {
		return fmt.Errorf("status %d with message %v", code, m["message"])
	}
	if _, ok := m["data"].(map[string]any); !ok {
		return fmt.Errorf("status %d with data %v", code, m["data"])
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("… (%d bytes)", len(s))
}

// ---------------------------------------------------------------------------

func FuzzDeviceLoginBody(f *testing.F) {
	secret := strings.Repeat("s", 40)
	for _, seed := range []string{
		`{"device_id":"fuzz-device-0001","device_secret":"` + secret + `"}`,
		`{"device_id":"fuzz-device-0001","device_secret":"` + strings.Repeat("x", 40) + `"}`, // wrong secret for a known device
		`{"DEVICE_ID":"fuzz-device-0002","Device_Secret":"` + secret + `"}`,
		`{"device_id":"short","device_secret":"short"}`,
		`{"device_id":"fuzz device with spaces","device_secret":"` + secret + `"}`,
		`{"device_id":"fuzz-device-0003","device_id":"fuzz-device-0004","device_secret":"` + secret + `"}`,
		`{"device_id":"fuzz-device-\u00e9\u00e9","device_secret":"` + secret + `"}`,
		"{\"device_id\":\"fuzz-device-\xff\xfe\",\"device_secret\":\"" + secret + "\"}",
		`{"device_id":12345678,"device_secret":true}`,
		`{"device_id":["a"],"device_secret":{"b":1}}`,
		`{"device_id":null,"device_secret":null}`,
		`[]`, `null`, `"x"`, `{`, `{}`, ``, `{"device_id":"fuzz-device-0005"}trailing`,
		strings.Repeat("[", 20000),
		`device_id=fuzz-device-0006&device_secret=` + secret,
		`<DeviceCredentials><device_id>fuzz-device-0007</device_id></DeviceCredentials>`,
	} {
		f.Add(byte(0), []byte(seed))
	}
	f.Add(byte(2), []byte(`device_id=fuzz-device-0008&device_secret=`+secret))
	f.Add(byte(2), []byte("device_id=%ff%fe%fd%fc%fb%fa%f9%f8&device_secret="+secret))
	f.Add(byte(3), []byte("--xYzZY\r\nContent-Disposition: form-data; name=\"device_id\"\r\n\r\nfuzz-device-0009\r\n--xYzZY--\r\n"))
	f.Add(byte(3), []byte("--xYzZY\r\njunk"))
	f.Add(byte(4), []byte("junk"))
	f.Add(byte(5), []byte(`<a><device_id>fuzz-device-0010</device_id><device_secret>`+secret+`</device_secret></a>`))
	f.Add(byte(5), []byte(`<!DOCTYPE a [<!ENTITY x "xxxxxxxxxx">]><a>&x;&x;</a>`))
	f.Add(byte(6), []byte(`{"device_id":"fuzz-device-0011","device_secret":"`+secret+`"}`))
	f.Add(byte(7), []byte(`{}`))

	w := newWorld(f, false)
	f.Fuzz(func(t *testing.T, ct byte, body []byte) {
		rec := send(w.h, "POST", auth.DeviceAuthPath, "", contentType(ct), body)
		checkAnswer(t, "device login", rec)
		if rec.Code == 200 {
			var res struct {
				Token  string         `json:"token"`
				Record map[string]any `json:"record"`
				Meta   map[string]any `json:"meta"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res.Token == "" || res.Record["id"] == nil {
				t.Fatalf("200 without an auth response: %s", rec.Body.String())
			}
			if _, ok := res.Meta["created"].(bool); !ok {
				t.Fatalf("200 without meta.created: %s", rec.Body.String())
			}
			if _, leaked := res.Record["device_secret_hash"]; leaked {
				t.Fatalf("the secret hash is in the answer: %s", rec.Body.String())
			}
		}
	})
}

func FuzzJoinBody(f *testing.F) {
	for _, seed := range []string{
		`{"invite_code":"$CODE","nickname":"fuzzer"}`,
		`{"invite_code":"$CODE_LOWER","nickname":"FUZZER"}`,
		`{"invite_code":"  $CODE  ","nickname":"  fuzzer  "}`,
		`{"invite_link_id":"$LINK","nickname":"fuzz link"}`,
		`{"invite_code":"$CODE","invite_link_id":"$LINK","nickname":"both"}`,
		`{"invite_code":"$EXPIRED_CODE","nickname":"late"}`,
		`{"invite_link_id":"$EXPIRED_LINK","nickname":"late"}`,
		`{"invite_code":"$FULL_CODE","nickname":"one too many"}`,
		`{"invite_code":"$CODE","nickname":"member0"}`, // taken (A's creator)
		`{"invite_code":"$CODE","nickname":"MEMBER0"}`, // taken, other case
		`{"invite_code":"$CODE","nickname":"ｍｅｍｂｅｒ0"}`, // taken, full-width
		`{"invite_code":"$CODE","nickname":""}`,
		`{"invite_code":"$CODE","nickname":"\u200b"}`,
		`{"invite_code":"$CODE","nickname":"` + strings.Repeat("가", 21) + `"}`,
		"{\"invite_code\":\"$CODE\",\"nickname\":\"\xff\"}",
		`{"invite_code":"O0I1O0","nickname":"x"}`,
		`{"invite_code":"ABCDEFG","nickname":"x"}`,
		`{"invite_link_id":"../../../etc/passwd","nickname":"x"}`,
		`{"invite_link_id":"` + strings.Repeat("A", 65) + `","nickname":"x"}`,
		`{"invite_code":123456,"nickname":1}`,
		`{"invite_code":["$CODE"],"nickname":{"a":"b"}}`,
		`{"invite_code":null,"invite_link_id":null,"nickname":null}`,
		`{}`, `[]`, `null`, ``, `{`,
	} {
		f.Add(byte(0), byte(4), []byte(seed))
	}
	f.Add(byte(2), byte(5), []byte("invite_code=$CODE&nickname=form%20user"))
	f.Add(byte(3), byte(6), []byte("--xYzZY\r\nContent-Disposition: form-data; name=\"invite_code\"\r\n\r\n$CODE\r\n--xYzZY\r\nContent-Disposition: form-data; name=\"nickname\"\r\n\r\nmulti\r\n--xYzZY--\r\n"))
	f.Add(byte(5), byte(4), []byte(`<j><invite_code>$CODE</invite_code><nickname>xml</nickname></j>`))
	f.Add(byte(6), byte(4), []byte(`{"invite_code":"$CODE","nickname":"plain"}`))
	f.Add(byte(0), byte(1), []byte(`{"invite_code":"$CODE","nickname":"again"}`)) // an active member: idempotent

	w := newWorld(f, false)
	f.Fuzz(func(t *testing.T, ct, who byte, body []byte) {
		rec := send(w.h, "POST", circles.JoinCirclePath, w.caller(who), contentType(ct), []byte(w.expand(string(body))))
		checkAnswer(t, "join", rec)
		if rec.Code == 200 {
			var res map[string]map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res["circle"]["id"] == nil || res["member"]["id"] == nil {
				t.Fatalf("200 without {circle, member}: %s", rec.Body.String())
			}
			if n, _ := res["member"]["nickname"].(string); utf8.RuneCountInString(n) > circles.NicknameMaxLength || !utf8.ValidString(n) {
				t.Fatalf("joined with nickname %q", n)
			}
		}
	})
}

func FuzzPollCreateBody(f *testing.F) {
	for _, seed := range []string{
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","is_anonymous":false}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","is_anonymous":"maybe"}`,
		`{"circle":"$OTHER_CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"$POLL","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"$CIRCLE","template":"$CIRCLE","deadline":"$DEADLINE"}`,
		`{"circle":"$USER","template":"$MEMBER","deadline":"$DEADLINE"}`,
		`{"circle":["$CIRCLE","$OTHER_CIRCLE"],"template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"9999-12-31 23:59:59.999Z"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"0001-01-01 00:00:00.000Z"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"tomorrow"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":-1}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":1e308}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":9223372036854775807}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":{"a":1}}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","status":"closed"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","total_votes":1000}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","circle+":"$OTHER_CIRCLE"}`,
		`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE","deadline-":"x"}`,
		`{"circle":"../$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"` + strings.Repeat("c", 10240) + `","template":"$TEMPLATE","deadline":"$DEADLINE"}`,
		`{"circle":"","template":"","deadline":""}`,
		`{}`, `[]`, `null`, ``,
	} {
		f.Add(byte(0), byte(0), []byte(seed))
	}
	f.Add(byte(0), byte(4), []byte(`{"circle":"$CIRCLE","template":"$TEMPLATE","deadline":"$DEADLINE"}`)) // a stranger
	f.Add(byte(2), byte(1), []byte(`circle=$CIRCLE&template=$TEMPLATE&deadline=$DEADLINE`))
	f.Add(byte(3), byte(1), []byte("--xYzZY\r\nContent-Disposition: form-data; name=\"circle\"\r\n\r\n$CIRCLE\r\n--xYzZY\r\nContent-Disposition: form-data; name=\"deadline\"; filename=\"d.txt\"\r\n\r\nnot a file field\r\n--xYzZY--\r\n"))
	f.Add(byte(5), byte(1), []byte(`<p><circle>$CIRCLE</circle></p>`))

	w := newWorld(f, false)
	f.Fuzz(func(t *testing.T, ct, who byte, body []byte) {
		rec := send(w.h, "POST", "/api/collections/polls/records", w.caller(who), contentType(ct), []byte(w.expand(string(body))))
		checkAnswer(t, "poll create", rec)
	})
}

func FuzzVoteBody(f *testing.F) {
	for _, seed := range []string{
		`{"poll":"$POLL","option":"$OPTION_A"}`,
		`{"poll":"$POLL","option":"$OPTION_B"}`,
		`{"poll":"$POLL","option":"$FOREIGN_OPTION"}`,
		`{"poll":"$OTHER_POLL","option":"$OPTION_A"}`,
		`{"poll":"$CIRCLE","option":"$OPTION_A"}`,
		`{"poll":"$POLL","option":"$MEMBER"}`,
		`{"poll":"$USER","option":"$USER"}`,
		`{"poll":["$POLL","$OTHER_POLL"],"option":["$OPTION_A","$OPTION_B"]}`,
		`{"poll":"$POLL","option":"$OPTION_A","member":"$MEMBER"}`,
		`{"poll":"$POLL","option":"$OPTION_A","voter_hash":"00"}`,
		`{"poll":"$POLL","option+":"$OPTION_A"}`,
		`{"poll":"$POLL","option":"$OPTION_A","option-":"$OPTION_A"}`,
		`{"poll":"../../$POLL","option":"$OPTION_A"}`,
		`{"poll":"` + strings.Repeat("p", 10240) + `","option":"$OPTION_A"}`,
		`{"poll":1,"option":true}`,
		`{"poll":null,"option":null}`,
		`{"poll":"","option":""}`,
		"{\"poll\":\"\xff\xfe\",\"option\":\"$OPTION_A\"}",
		`{}`, `[]`, `null`, ``, `{`,
	} {
		f.Add(byte(0), byte(0), []byte(seed))
	}
	f.Add(byte(0), byte(1), []byte(`{"poll":"$POLL","option":"$OPTION_A"}`)) // member 1 is option A: self vote
	f.Add(byte(0), byte(2), []byte(`{"poll":"$POLL","option":"$OPTION_A"}`))
	f.Add(byte(0), byte(5), []byte(`{"poll":"$POLL","option":"$OPTION_A"}`)) // a stranger
	f.Add(byte(2), byte(3), []byte(`poll=$POLL&option=$OPTION_A`))
	f.Add(byte(3), byte(3), []byte("--xYzZY\r\nContent-Disposition: form-data; name=\"poll\"\r\n\r\n$POLL\r\n--xYzZY\r\nContent-Disposition: form-data; name=\"option\"\r\n\r\n$OPTION_A\r\n--xYzZY--\r\n"))
	f.Add(byte(6), byte(3), []byte(`{"poll":"$POLL","option":"$OPTION_A"}`))

	w := newWorld(f, false)
	f.Fuzz(func(t *testing.T, ct, who byte, body []byte) {
		rec := send(w.h, "POST", "/api/collections/votes/records", w.caller(who), contentType(ct), []byte(w.expand(string(body))))
		checkAnswer(t, "vote", rec)
		if rec.Code == 200 {
			var res map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"member", "voter_hash", "user", "created", "updated"} {
				if _, ok := res[k]; ok {
					t.Fatalf("a vote answer shows %q: %s", k, rec.Body.String())
				}
			}
		}
	})
}

// FuzzInviteCodeAndLink feeds one string to everything that reads invite
// codes and link ids: the join request's normaliser, JoinCircle (as an
// active member of A, so nothing is written), PreviewInvite, the preview
// route and the landing page, both with the string escaped as one path
// segment and raw.
func FuzzInviteCodeAndLink(f *testing.F) {
	for _, seed := range []string{
		"$CODE", "$CODE_LOWER", " $CODE\t", "$LINK", " $LINK ", "$EXPIRED_CODE", "$EXPIRED_LINK", "$FULL_CODE",
		"", " ", "ABCDEF", "abcdef", "ABCDE", "ABCDEFG", "O0I1O0", "ÅBCDEF", "ＡＢＣＤＥＦ",
		strings.Repeat("A", 21), strings.Repeat("A", 22), strings.Repeat("A", 64), strings.Repeat("A", 65),
		"../../../../etc/passwd", "..", ".", "a/b", "%2e%2e%2f", "%", "%zz", "?x=1", "#frag", "a b",
		"\x00", "\xff\xfe", "\u200b", strings.Repeat("x", 10240), "ﬀ", "ß", "İ",
	} {
		f.Add(seed)
	}

	w := newWorld(f, false)
	insider := w.a.users[1].Id
	link := w.a.circle.GetString("invite_link_id")
	code := w.a.circle.GetString("invite_code")
	f.Fuzz(func(t *testing.T, raw string) {
		s := w.expand(raw)

		for _, asCode := range []bool{true, false} {
			req := circles.JoinRequest{Nickname: "fuzz"}
			if asCode {
				req.InviteCode = s
			} else {
				req.InviteLinkId = s
			}
			if err := req.Normalize(); err != nil {
				var verrs validation.Errors
				if !errors.As(err, &verrs) {
					t.Fatalf("Normalize(%q): %T %v", s, err, err)
				}
				continue
			}
			if asCode && req.InviteCode != strings.ToUpper(strings.TrimSpace(s)) {
				t.Fatalf("code %q normalised to %q", s, req.InviteCode)
			}
			again := req
			if err := again.Normalize(); err != nil || again != req {
				t.Fatalf("Normalize is not idempotent: %+v then %+v (%v)", req, again, err)
			}
			circle, _, err := circles.JoinCircle(w.app, insider, req)
			switch {
			case err == nil:
				if circle.Id != w.a.circle.Id || (req.InviteCode != code && req.InviteLinkId != link) {
					t.Fatalf("%+v opened circle %s", req, circle.Id)
				}
			case errors.Is(err, circles.ErrInviteNotFound), errors.Is(err, circles.ErrInviteExpired), errors.Is(err, circles.ErrCircleFull):
			default:
				t.Fatalf("JoinCircle(%+v): unexpected error %v", req, err)
			}
		}

		preview, err := circles.PreviewInvite(w.app, s)
		switch {
		case err == nil:
			if s != link || preview.CircleName != w.a.circle.GetString("name") {
				t.Fatalf("PreviewInvite(%q) = %+v", s, preview)
			}
		case errors.Is(err, circles.ErrInviteExpired):
			if s != w.expired.GetString("invite_link_id") {
				t.Fatalf("PreviewInvite(%q): expired", s)
			}
		case errors.Is(err, circles.ErrInviteNotFound):
		default:
			t.Fatalf("PreviewInvite(%q): unexpected error %v", s, err)
		}

		escaped := url.PathEscape(s)
		rec := send(w.h, "GET", "/api/circly/invites/"+escaped, "", "", nil)
		checkAnswer(t, "preview "+escaped, rec)
		switch {
		case rec.Code == 200 || rec.Code == 404 || rec.Code == 410:
		case escaped == "." || escaped == "..":
			// the router cleans dot segments with a redirect
			if rec.Code/100 != 3 {
				t.Fatalf("preview of %q: %d", s, rec.Code)
			}
		default:
			t.Fatalf("preview of %q: %d", s, rec.Code)
		}
		rec = send(w.h, "GET", "/join/"+escaped, "", "", nil)
		checkAnswer(t, "landing page "+escaped, rec)

		// the string as it is, when it makes a request target at all
		for _, prefix := range []string{"/api/circly/invites/", "/join/"} {
			req, err := http.NewRequest("GET", prefix+s, nil)
			if err != nil || req.URL.Host != "" {
				continue
			}
			req.RemoteAddr = "192.0.2.1:1234"
			req.Body = http.NoBody // as a server request has
			rec := httptest.NewRecorder()
			w.h.ServeHTTP(rec, req)
			checkAnswer(t, "GET "+prefix+s, rec)
		}
	})
}

func FuzzNickname(f *testing.F) {
	for _, seed := range []string{
		"Alice", "  Alice  ", "Ａｌｉｃｅ", "ALICE", "ㅋㅋ", "ᄏᄏ", "ﾡ", "ㄱ\u0301", "민지ㅎㅎ", "\u1100\u1161",
		"👨\u200D👩\u200D👧", "🏳️\u200D🌈", "❤", "❤️", "e\u0301", "\u0301", "´", "a´", "a\u3000\u0301",
		"\u200b", "\u3164", "\u2800", "\uFEFF", "\u202E", "\uE000", "\xff", "Al\xffice", "\x00", "\t",
		"ﷺ", strings.Repeat("ﷺ", 2), "ß", "ẞ", "ΐ", "ǰ", "İ", "ﬀ", "㍿", "Ⅻ", "⑳", "\u0345",
		strings.Repeat("가", 20), strings.Repeat("가", 21), strings.Repeat(" ", 30) + "x",
		strings.Repeat("ΐ", 20), strings.Repeat("ß", 20), strings.Repeat("\u0390", 20),
		strings.Repeat("x", 10240),
	} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, s string) {
		key := circles.NicknameKey(s)
		if !utf8.ValidString(key) {
			t.Fatalf("NicknameKey(%q) = %q is not valid UTF-8", s, key)
		}
		if circles.NicknameKey(key) != key {
			t.Fatalf("NicknameKey is not idempotent: %q → %q → %q", s, key, circles.NicknameKey(key))
		}

		n, err := circles.NormalizeNickname(s)
		if err != nil {
			if n != "" {
				t.Fatalf("NormalizeNickname(%q) refused (%v) but returned %q", s, err, n)
			}
			if !errors.Is(err, circles.ErrNicknameRequired) && !errors.Is(err, circles.ErrNicknameTooLong) && !errors.Is(err, circles.ErrNicknameInvalid) {
				t.Fatalf("NormalizeNickname(%q): unexpected error %v", s, err)
			}
			return
		}
		if !utf8.ValidString(n) {
			t.Fatalf("NormalizeNickname(%q) = %q is not valid UTF-8", s, n)
		}
		if c := utf8.RuneCountInString(n); c < 1 || c > circles.NicknameMaxLength {
			t.Fatalf("NormalizeNickname(%q) = %q has %d runes", s, n, c)
		}
		if n != strings.TrimSpace(n) || strings.Contains(n, "  ") {
			t.Fatalf("NormalizeNickname(%q) = %q keeps outer or double spaces", s, n)
		}
		// what is stored is accepted again unchanged (the members hooks
		// normalise and validate the stored value once more)
		n2, err := circles.NormalizeNickname(n)
		if err != nil || n2 != n {
			t.Fatalf("NormalizeNickname is not idempotent: %q → %q → %q (%v)", s, n, n2, err)
		}
		k := circles.NicknameKey(n)
		if k == "" {
			t.Fatalf("accepted nickname %q has an empty key", n)
		}
		if circles.NicknameKey(n2) != k {
			t.Fatalf("NicknameKey(NormalizeNickname(%q)) is not stable: %q vs %q", s, k, circles.NicknameKey(n2))
		}
		// members.nickname_key holds up to 200 characters
		if c := utf8.RuneCountInString(k); c > 200 {
			t.Fatalf("key of %q has %d runes", n, c)
		}
	})
}
