package auth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

// usersFixture holds two users, alice and bob, created before each scenario.
type usersFixture struct {
	alice, bob *core.Record
	aliceAuth  map[string]string
	bobAuth    map[string]string
}

func TestUsersRules(t *testing.T) {
	t.Parallel()

	var f usersFixture
	setup := func(t testing.TB, app *tests.TestApp) {
		f.alice = circlytest.CreateUser(t, app)
		f.bob = circlytest.CreateUser(t, app)
		f.aliceAuth = circlytest.AuthHeader(t, f.alice)
		f.bobAuth = circlytest.AuthHeader(t, f.bob)
	}
	json := func(h map[string]string) map[string]string {
		out := map[string]string{"Content-Type": "application/json"}
		for k, v := range h {
			out[k] = v
		}
		return out
	}

	// Each scenario builds its own app; URLs and headers are resolved in
	// BeforeTestFunc because the ids exist only after setup.
	type scenario struct {
		name     string
		method   string
		url      func() string
		body     string
		auth     func() map[string]string
		status   int
		contains []string
		after    func(t testing.TB, app *tests.TestApp)
	}
	none := func() map[string]string { return nil }
	asAlice := func() map[string]string { return f.aliceAuth }
	cases := []scenario{
		{name: "nobody lists users (anonymous)", method: "GET", url: func() string { return "/api/collections/users/records" }, auth: none, status: 403},
		{name: "nobody lists users (signed in)", method: "GET", url: func() string { return "/api/collections/users/records" }, auth: asAlice, status: 403},
		{name: "a user views itself", method: "GET", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice, status: 200,
			contains: []string{`"device_id":"` + "test-device-"}},
		{name: "a user cannot view another", method: "GET", url: func() string { return "/api/collections/users/records/" + f.bob.Id }, auth: asAlice, status: 404},
		{name: "anonymous cannot view a user", method: "GET", url: func() string { return "/api/collections/users/records/" + f.bob.Id }, auth: none, status: 404},
		{name: "nobody creates users through the API", method: "POST", url: func() string { return "/api/collections/users/records" }, auth: none,
			body: `{"device_id":"sneaky-device-1","password":"1234567890","passwordConfirm":"1234567890"}`, status: 403},
		{name: "a user sets its push token", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"push_token":"ExponentPushToken[abcDEF123]"}`, status: 200, contains: []string{`"push_token":"ExponentPushToken[abcDEF123]"`}},
		{name: "the newer token form is accepted", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"push_token":"ExpoPushToken[xyz-789]"}`, status: 200},
		{name: "a user clears its push token", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"push_token":""}`, status: 200, contains: []string{`"push_token":""`}},
		{name: "a malformed push token is refused", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"push_token":"fcm:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx"}`, status: 400, contains: []string{`"push_token":{"code":"validation_invalid_format"`}},
		{name: "an empty bracket token is refused", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"push_token":"ExponentPushToken[]"}`, status: 400},
		{name: "a user sets its locale to en", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"locale":"en"}`, status: 200, contains: []string{`"locale":"en"`},
			after: func(t testing.TB, app *tests.TestApp) {
				u, _ := app.FindRecordById(collections.Users, f.alice.Id)
				if collections.AsUser(u).Locale() != collections.LocaleEn {
					t.Fatalf("locale %q", u.GetString("locale"))
				}
			}},
		{name: "a user sets its locale to ko with its push token", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"locale":"ko","push_token":"ExponentPushToken[abc]"}`, status: 200, contains: []string{`"locale":"ko"`}},
		{name: "a new user's locale reads as ko", method: "GET", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			status: 200, contains: []string{`"locale":""`},
			after: func(t testing.TB, app *tests.TestApp) {
				u, _ := app.FindRecordById(collections.Users, f.alice.Id)
				if collections.AsUser(u).Locale() != collections.LocaleKo {
					t.Fatalf("locale %q", collections.AsUser(u).Locale())
				}
			}},
		{name: "a locale other than ko or en is refused", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"locale":"fr"}`, status: 400, contains: []string{`"locale":{"code":"validation_invalid_value"`},
			after: func(t testing.TB, app *tests.TestApp) {
				u, _ := app.FindRecordById(collections.Users, f.alice.Id)
				if u.GetString("locale") != "" {
					t.Fatalf("locale changed to %q", u.GetString("locale"))
				}
			}},
		{name: "locales are lower case", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"locale":"EN"}`, status: 400, contains: []string{`"locale":{"code":"validation_invalid_value"`}},
		{name: "device_id cannot change", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"device_id":"stolen-device-99"}`, status: 400, contains: []string{`"device_id":{"code":"validation_field_not_writable"`},
			after: func(t testing.TB, app *tests.TestApp) {
				u, _ := app.FindRecordById(collections.Users, f.alice.Id)
				if u.GetString("device_id") == "stolen-device-99" {
					t.Fatal("device_id changed")
				}
			}},
		{name: "is_active cannot change", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"is_active":false}`, status: 400, contains: []string{`"is_active":{"code":"validation_field_not_writable"`}},
		{name: "the hidden secret hash is ignored, not written", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"device_secret_hash":"00"}`, status: 200,
			after: func(t testing.TB, app *tests.TestApp) {
				u, _ := app.FindRecordById(collections.Users, f.alice.Id)
				if u.GetString("device_secret_hash") == "00" {
					t.Fatal("device_secret_hash changed")
				}
			}},
		{name: "email cannot be set", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"email":"a@example.com"}`, status: 400},
		{name: "a user cannot update another", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.bob.Id }, auth: asAlice,
			body: `{"push_token":"ExponentPushToken[abc]"}`, status: 404},
		{name: "malformed JSON on update", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"push_token":`, status: 400},
		{name: "over-long push token", method: "PATCH", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice,
			body: `{"push_token":"ExponentPushToken[` + strings.Repeat("a", 300) + `]"}`, status: 400},
		{name: "a user cannot delete another", method: "DELETE", url: func() string { return "/api/collections/users/records/" + f.bob.Id }, auth: asAlice, status: 404},
		{name: "a user deletes itself", method: "DELETE", url: func() string { return "/api/collections/users/records/" + f.alice.Id }, auth: asAlice, status: 204},
		{name: "a disabled user's token is refused everywhere", method: "GET", url: func() string { return "/api/collections/users/records/" + f.alice.Id },
			auth: func() map[string]string { return f.aliceAuth }, status: 403, contains: []string{"disabled"}},
		{name: "a disabled user cannot refresh", method: "POST", url: func() string { return "/api/collections/users/auth-refresh" },
			auth: func() map[string]string { return f.aliceAuth }, status: 403},
		{name: "an active user refreshes its token", method: "POST", url: func() string { return "/api/collections/users/auth-refresh" },
			auth: asAlice, status: 200, contains: []string{`"token":"`}},
	}

	for _, c := range cases {
		disable := strings.HasPrefix(c.name, "a disabled user")
		s := tests.ApiScenario{
			Name:   c.name,
			Method: c.method,
			TestAppFactory: circlytest.Factory(func(t testing.TB, app *tests.TestApp) {
				setup(t, app)
				if disable {
					f.alice.Set("is_active", false)
					if err := app.Save(f.alice); err != nil {
						t.Fatal(err)
					}
				}
			}),
			ExpectedStatus:  c.status,
			ExpectedContent: append([]string{`"`}, c.contains...),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if c.after != nil {
					c.after(t, app)
				}
			},
		}
		if c.status == 204 {
			s.ExpectedContent = nil
		}
		// the URL and headers depend on records the factory creates, so the
		// factory fills them in (ApiScenario builds the request after it)
		factory := s.TestAppFactory
		s.TestAppFactory = func(t testing.TB) *tests.TestApp {
			app := factory(t)
			s.URL = c.url()
			s.Headers = json(c.auth())
			if c.body != "" {
				s.Body = strings.NewReader(c.body)
			}
			return app
		}
		s.Test(t)
	}
}
