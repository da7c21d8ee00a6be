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
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/auth"
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
