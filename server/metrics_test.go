package server_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
	"circly/metrics"
	"circly/metrics/metricstest"
	"circly/polls"
	"circly/server"
)

// metricsToken returns a fresh metrics token of app.
func metricsToken(t testing.TB, app core.App) string {
	t.Helper()
	tok, err := server.IssueMetricsToken(app, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// forgedToken is signed like a metrics token of the current generation,
// claims and all, with a key of its own.
func forgedToken(t testing.TB, app core.App) string {
	t.Helper()
	gen, err := collections.MetricsTokenGeneration(app)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	tok, err := metrics.IssueToken(key, gen, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// metricsKey is app's metrics-token key (for tokens made by hand).
func metricsKey(t testing.TB, app core.App) []byte {
	t.Helper()
	key, err := circlytest.Circly(t, app).Keys.MetricsTokenKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// signed is a token with the given claims under app's metrics key.
func signed(t testing.TB, app core.App, method jwt.SigningMethod, claims jwt.MapClaims) string {
	t.Helper()
	var key any = metricsKey(t, app)
	if method == jwt.SigningMethodNone {
		key = jwt.UnsafeAllowNoneSignatureType
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func claimsOfGen(gen int64) jwt.MapClaims {
	return jwt.MapClaims{"scope": "metrics", "gen": gen, "iss": "circly", "aud": []string{"circly-metrics"}, "iat": time.Now().Unix()}
}

// API.md §12: GET /api/circly/metrics answers superusers and metrics
// tokens of the current generation, in the text format 0.0.4; a user gets
// 403; no token, a revoked, forged, expired or unsigned one gets 401.
func TestMetricsRouteAccess(t *testing.T) {
	t.Parallel()
	body := []string{"# TYPE circly_votes_total counter\ncircly_votes_total 0\n", "\ncircly_polls_open 0\n", "\ncircly_outbox_pending 0\n",
		"\ncircly_push_sent_total 0\n", "\ncircly_push_failed_total 0\n"}
	refused := []string{`"status":401`}
	hidden := []string{"circly_votes_total"}

	scenario := func(name string, status int, token func(t testing.TB, app *tests.TestApp) string) *tests.ApiScenario {
		s := &tests.ApiScenario{Name: name, Method: http.MethodGet, URL: server.MetricsPath, ExpectedStatus: status}
		switch status {
		case http.StatusOK:
			s.ExpectedContent = body
		case http.StatusUnauthorized:
			s.ExpectedContent, s.NotExpectedContent = refused, hidden
		default:
			s.ExpectedContent, s.NotExpectedContent = []string{`"status":403`}, hidden
		}
		factory := circlytest.Factory(nil)
		s.TestAppFactory = func(t testing.TB) *tests.TestApp {
			app := factory(t)
			if token != nil {
				s.Headers = map[string]string{"Authorization": token(t, app)}
			}
			return app
		}
		return s
	}
	revoked := func(t testing.TB, app *tests.TestApp) string {
		tok := metricsToken(t, app)
		if _, err := server.RevokeMetricsTokens(app); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	withClaim := func(k string, v any) func(t testing.TB, app *tests.TestApp) string {
		return func(t testing.TB, app *tests.TestApp) string {
			c := claimsOfGen(1)
			c[k] = v
			return signed(t, app, jwt.SigningMethodHS256, c)
		}
	}

	for _, s := range []*tests.ApiScenario{
		scenario("anonymous", http.StatusUnauthorized, nil),
		scenario("user", http.StatusForbidden, func(t testing.TB, app *tests.TestApp) string {
			return circlytest.Token(t, circlytest.CreateUser(t, app))
		}),
		scenario("superuser", http.StatusOK, func(t testing.TB, app *tests.TestApp) string {
			return circlytest.SuperuserHeader(t, app)["Authorization"]
		}),
		scenario("metrics token", http.StatusOK, func(t testing.TB, app *tests.TestApp) string { return metricsToken(t, app) }),
		scenario("metrics token, Bearer prefix", http.StatusOK, func(t testing.TB, app *tests.TestApp) string {
			return "Bearer " + metricsToken(t, app)
		}),
		scenario("metrics token with an expiry still ahead", http.StatusOK, func(t testing.TB, app *tests.TestApp) string {
			tok, err := server.IssueMetricsToken(app, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}),
		scenario("hand-made token of the current generation (the cases below differ by one claim)", http.StatusOK, withClaim("scope", "metrics")),
		scenario("revoked metrics token", http.StatusUnauthorized, revoked),
		scenario("token signed with another key", http.StatusUnauthorized, func(t testing.TB, app *tests.TestApp) string { return forgedToken(t, app) }),
		scenario("expired token", http.StatusUnauthorized, withClaim("exp", time.Now().Add(-time.Second).Unix())),
		scenario("token of a later generation", http.StatusUnauthorized, withClaim("gen", 2)),
		scenario("token of another scope", http.StatusUnauthorized, withClaim("scope", "admin")),
		scenario("token for another audience", http.StatusUnauthorized, withClaim("aud", "circly-api")),
		scenario("alg none", http.StatusUnauthorized, func(t testing.TB, app *tests.TestApp) string {
			return signed(t, app, jwt.SigningMethodNone, claimsOfGen(1))
		}),
		scenario("HS384 under the same key", http.StatusUnauthorized, func(t testing.TB, app *tests.TestApp) string {
			return signed(t, app, jwt.SigningMethodHS384, claimsOfGen(1))
		}),
		scenario("garbage", http.StatusUnauthorized, func(testing.TB, *tests.TestApp) string { return "Bearer abc.def.ghi" }),
	} {
		s.Test(t)
	}
}

// get sends a request and returns its status and body.
func get(h http.Handler, method, url, token string) (int, string) {
	req := httptest.NewRequest(method, url, bytes.NewReader(nil))
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// A metrics token opens nothing but the metrics route: PocketBase does not
// take it for a record's token, so every other route answers it exactly as
// it answers no token at all.
func TestMetricsTokenOpensNothingElse(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	f := newPollFixture(t, app, 4, false)
	tok := metricsToken(t, app)

	for _, r := range []struct{ method, url string }{
		{"GET", "/api/collections/users/records"},
		{"GET", "/api/collections/users/records/" + f.users[0].Id},
		{"GET", "/api/collections/circles/records"},
		{"GET", "/api/collections/polls/records/" + f.poll},
		{"GET", "/api/collections/notifications/records"},
		{"GET", "/api/collections/_superusers/records"},
		{"POST", "/api/collections/users/auth-refresh"},
		{"POST", "/api/files/token"},
		{"GET", polls.FeedPath},
		{"GET", polls.PicksPath},
		{"GET", strings.Replace(polls.ResultsPath, "{id}", f.poll, 1)},
		{"GET", "/api/settings"},
		{"GET", "/api/logs"},
		{"GET", "/api/backups"},
		{"GET", "/api/collections"},
	} {
		anonStatus, anonBody := get(h, r.method, r.url, "")
		status, body := get(h, r.method, r.url, tok)
		if status != anonStatus || body != anonBody {
			t.Errorf("%s %s with a metrics token: %d %s; without a token: %d %s", r.method, r.url, status, body, anonStatus, anonBody)
		}
		if status == http.StatusOK && strings.Contains(body, f.users[0].Id) {
			t.Errorf("%s %s with a metrics token shows a user: %s", r.method, r.url, body)
		}
	}
	// and the same token does open the metrics route
	if status, body := get(h, "GET", server.MetricsPath, tok); status != http.StatusOK {
		t.Fatalf("metrics with the token: %d %s", status, body)
	}
}

// `circly metrics-token --revoke-all` (RevokeMetricsTokens) ends every
// token issued before it, at once and for good; tokens issued after work.
func TestMetricsTokenRevokeAll(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	first, second := metricsToken(t, app), metricsToken(t, app)
	for _, tok := range []string{first, second} {
		if status, _ := get(h, "GET", server.MetricsPath, tok); status != http.StatusOK {
			t.Fatalf("fresh token: %d", status)
		}
	}
	gen, err := server.RevokeMetricsTokens(app)
	if err != nil || gen != 2 {
		t.Fatalf("revoke: generation %d, %v", gen, err)
	}
	for _, tok := range []string{first, second} {
		if status, _ := get(h, "GET", server.MetricsPath, tok); status != http.StatusUnauthorized {
			t.Fatalf("revoked token: %d", status)
		}
	}
	third := metricsToken(t, app)
	if status, _ := get(h, "GET", server.MetricsPath, third); status != http.StatusOK {
		t.Fatalf("token issued after the revocation: %d", status)
	}
	if _, err := server.RevokeMetricsTokens(app); err != nil {
		t.Fatal(err)
	}
	if status, _ := get(h, "GET", server.MetricsPath, third); status != http.StatusUnauthorized {
		t.Fatalf("token revoked by the second revocation: %d", status)
	}
	if status, _ := get(h, "GET", server.MetricsPath, first); status != http.StatusUnauthorized {
		t.Fatalf("a first-generation token came back: %d", status)
	}
}

// The route's whole answer reads strictly as the format 0.0.4, with the
// families the contract names.
func TestMetricsRouteFormat(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	newPollFixture(t, app, 4, false)
	req := httptest.NewRequest("GET", server.MetricsPath, nil)
	req.Header.Set("Authorization", metricsToken(t, app))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != metrics.ContentType {
		t.Fatalf("%d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	e, err := metricstest.Parse(rec.Body.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, rec.Body.String())
	}
	for name, typ := range map[string]string{
		"circly_votes_total": "counter", "circly_polls_open": "gauge", "circly_push_sent_total": "counter",
		"circly_push_failed_total": "counter", "circly_outbox_pending": "gauge", "circly_ballot_queue_depth": "gauge",
		"circly_dispatch_run_duration_seconds": "summary", "circly_expo_errors_total": "counter",
		"circly_users": "gauge", "circly_circles": "gauge",
	} {
		if e.Types[name] != typ {
			t.Errorf("%s: type %q, want %q", name, e.Types[name], typ)
		}
	}
	wantSeriesOf(t, e, map[string]float64{"circly_polls_open": 1, "circly_users": 4, "circly_circles": 1})
	if v, _ := e.Value(`circly_database_bytes{file="db"}`); v <= 0 {
		t.Errorf("database size %v", v)
	}
}

func wantSeriesOf(t testing.TB, e *metricstest.Exposition, want map[string]float64) {
	t.Helper()
	for series, v := range want {
		if got, ok := e.Value(series); !ok || got != v {
			t.Errorf("%s = %v (present: %v), want %v", series, got, ok, v)
		}
	}
}
