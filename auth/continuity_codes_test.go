package auth_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"circly/auth"
	"circly/circlytest"
	"circly/collections"
)

func TestNewCodes(t *testing.T) {
	t.Parallel()
	signedIn := func(name, path string, status int, setup func(t testing.TB, app *tests.TestApp, w *moveWorld),
		headers func(w *moveWorld) map[string]string, body string, content ...string) *tests.ApiScenario {
		return moveScenario(tests.ApiScenario{Name: name, Method: http.MethodPost, URL: path, ExpectedStatus: status, ExpectedContent: content},
			setup,
			func(w *moveWorld) (string, map[string]string) {
				h := headers(w)
				h[contentType] = "application/json"
				return body, h
			}, nil)
	}
	none := func(w *moveWorld) map[string]string { return map[string]string{} }
	disable := func(t testing.TB, app *tests.TestApp, w *moveWorld) {
		collections.AsUser(w.user).SetActive(false)
		if err := app.Save(w.user); err != nil {
			t.Fatal(err)
		}
	}
	var scenarios []*tests.ApiScenario
	for _, path := range []string{auth.TransferPath, auth.RecoveryPath} {
		key := `"code":"`
		if path == auth.RecoveryPath {
			key = `"recovery_code":"`
		}
		scenarios = append(scenarios,
			signedIn(path+": a signed-in user gets a code", path, 200, nil, asOwner, ``, key),
			signedIn(path+": an empty JSON object is fine", path, 200, nil, asOwner, `{}`, key),
			signedIn(path+": anonymous is 401", path, 401, nil, none, ``, `"status":401`),
			signedIn(path+": a disabled user is 403", path, 403, disable, asOwner, ``, `"status":403`),
			signedIn(path+": a body key is refused", path, 400, nil, asOwner, `{"ttl":60}`, `"ttl":{"code":"validation_unknown_field"`),
		)
		superuser := signedIn(path+": a superuser is 403", path, 403, nil, none, ``, `"status":403`)
		factory := superuser.TestAppFactory
		superuser.TestAppFactory = func(t testing.TB) *tests.TestApp {
			app := factory(t)
			superuser.Headers = circlytest.SuperuserHeader(t, app)
			return app
		}
		scenarios = append(scenarios, superuser)
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestNewCodeShapes: a transfer code is 10 characters of the invite
// alphabet expiring in 10 minutes; a recovery code has 24 of them in
// groups of 4 (≥ 20 characters).
func TestNewCodeShapes(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	h := circlytest.Handler(t, app)
	u := circlytest.CreateUser(t, app)
	token := circlytest.Token(t, u)

	status, body := circlytest.Call(t, h, "POST", auth.TransferPath, token, nil)
	if status != 200 {
		t.Fatalf("transfer: %d %v", status, body)
	}
	code, _ := body["code"].(string)
	if len(code) != auth.TransferCodeLength || strings.Trim(code, collections.InviteCodeAlphabet) != "" {
		t.Fatalf("code %q", code)
	}
	expires, err := time.Parse("2006-01-02 15:04:05.000Z", body["expires_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expires); d <= 9*time.Minute || d > 10*time.Minute {
		t.Fatalf("expires in %v", d)
	}

	status, body = circlytest.Call(t, h, "POST", auth.RecoveryPath, token, nil)
	if status != 200 {
		t.Fatalf("recovery: %d %v", status, body)
	}
	rc, _ := body["recovery_code"].(string)
	groups := strings.Split(rc, "-")
	if len(rc) < 20 || len(groups) != 6 || strings.Trim(strings.Join(groups, ""), collections.InviteCodeAlphabet) != "" {
		t.Fatalf("recovery code %q", rc)
	}
	for _, g := range groups {
		if len(g) != 4 {
			t.Fatalf("recovery code %q", rc)
		}
	}
}
