package auth_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"circly/auth"
	"circly/circlytest"
	"circly/collections"
)

const (
	knownDeviceId = "device-known-0001"
	knownSecret   = "s3cret-s3cret-s3cret-s3cret-s3cret-42"
)

// withKnownDevice registers knownDeviceId through the real login path.
func withKnownDevice(active bool) func(t testing.TB, app *tests.TestApp) {
	return func(t testing.TB, app *tests.TestApp) {
		registerDevice(t, app, knownDeviceId, knownSecret)
		if !active {
			u, err := app.FindFirstRecordByData(collections.Users, "device_id", knownDeviceId)
			if err != nil {
				t.Fatal(err)
			}
			u.Set("is_active", false)
			if err := app.Save(u); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func registerDevice(t testing.TB, app *tests.TestApp, deviceId, secret string) {
	t.Helper()
	svc := circlytest.Circly(t, app).Auth
	if _, _, err := svc.DeviceLogin(app, auth.DeviceCredentials{DeviceId: deviceId, DeviceSecret: secret}); err != nil {
		t.Fatal(err)
	}
}

func TestDeviceAuth(t *testing.T) {
	t.Parallel()

	body := func(s string) *strings.Reader { return strings.NewReader(s) }
	jsonHeaders := map[string]string{"Content-Type": "application/json"}

	scenarios := []tests.ApiScenario{
		{
			Name:            "unknown device registers",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"new-device-123","device_secret":"` + knownSecret + `"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"token":"`, `"created":true`, `"device_id":"new-device-123"`, `"is_active":true`},
			NotExpectedContent: []string{
				`device_secret`, knownSecret, `"password"`,
			},
			ExpectedEvents: map[string]int{
				"*":                          0,
				"OnRecordAuthRequest":        1,
				"OnRecordEnrich":             1,
				"OnModelCreate":              1,
				"OnModelCreateExecute":       1,
				"OnModelAfterCreateSuccess":  1,
				"OnModelValidate":            1,
				"OnRecordCreate":             1,
				"OnRecordCreateExecute":      1,
				"OnRecordAfterCreateSuccess": 1,
				"OnRecordValidate":           1,
			},
			TestAppFactory: circlytest.Factory(nil),
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				u, err := app.FindFirstRecordByData(collections.Users, "device_id", "new-device-123")
				if err != nil {
					t.Fatal(err)
				}
				hash := u.GetString("device_secret_hash")
				if len(hash) != 64 || strings.Contains(hash, knownSecret) {
					t.Fatalf("expected a 64-char hex hash, got %q", hash)
				}
			},
		},
		{
			Name:               "known device with the right secret logs in",
			Method:             http.MethodPost,
			URL:                "/api/circly/auth/device",
			Body:               body(`{"device_id":"` + knownDeviceId + `","device_secret":"` + knownSecret + `"}`),
			Headers:            jsonHeaders,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"token":"`, `"created":false`, `"device_id":"` + knownDeviceId + `"`},
			NotExpectedContent: []string{"device_secret"},
			ExpectedEvents:     map[string]int{"*": 0, "OnRecordAuthRequest": 1, "OnRecordEnrich": 1},
			TestAppFactory:     circlytest.Factory(withKnownDevice(true)),
		},
		{
			Name:            "known device with a wrong secret is refused",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"` + knownDeviceId + `","device_secret":"` + strings.Repeat("x", 40) + `"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"status":401`, `"message":"The device secret does not match this device."`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(withKnownDevice(true)),
		},
		{
			Name:            "disabled user is refused",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"` + knownDeviceId + `","device_secret":"` + knownSecret + `"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`, `disabled`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(withKnownDevice(false)),
		},
		{
			Name:            "disabled user with a wrong secret learns nothing about the account",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"` + knownDeviceId + `","device_secret":"` + strings.Repeat("y", 40) + `"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  401,
			ExpectedContent: []string{`"status":401`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(withKnownDevice(false)),
		},
		{
			Name:            "missing fields",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"device_id":{"code":"validation_required"`, `"device_secret":{"code":"validation_required"`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "empty body",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			ExpectedStatus:  400,
			ExpectedContent: []string{`"device_id":{"code":"validation_required"`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "malformed JSON",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id": "abc`),
			Headers:         jsonHeaders,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "wrong types",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id": 12345678, "device_secret": ["a"]}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "device id too short",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"short","device_secret":"` + knownSecret + `"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"device_id":{"code":"validation_length_out_of_range"`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "device id with forbidden characters",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"device id with spaces","device_secret":"` + knownSecret + `"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"device_id":{"code":"validation_match_invalid"`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "device id too long",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"` + strings.Repeat("a", 256) + `","device_secret":"` + knownSecret + `"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"device_id":{"code":"validation_length_out_of_range"`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "secret too short",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"new-device-123","device_secret":"tooshort"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"device_secret":{"code":"validation_length_out_of_range"`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "secret too long",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`{"device_id":"new-device-123","device_secret":"` + strings.Repeat("z", 257) + `"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"device_secret":{"code":"validation_length_out_of_range"`},
			ExpectedEvents:  map[string]int{"*": 0},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "form-encoded body works too",
			Method:          http.MethodPost,
			URL:             "/api/circly/auth/device",
			Body:            body(`device_id=form-device-1&device_secret=` + knownSecret),
			Headers:         map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"created":true`},
			ExpectedEvents:  map[string]int{"OnRecordAuthRequest": 1},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name:            "password login is off",
			Method:          http.MethodPost,
			URL:             "/api/collections/users/auth-with-password",
			Body:            body(`{"identity":"x@example.com","password":"1234567890"}`),
			Headers:         jsonHeaders,
			ExpectedStatus:  403,
			ExpectedContent: []string{`"status":403`},
			TestAppFactory:  circlytest.Factory(nil),
		},
	}

	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestDeviceAuthRaceSameDevice fires concurrent first logins of one device:
// exactly one user exists afterwards and every caller gets 200.
func TestDeviceAuthRaceSameDevice(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	svc := circlytest.Circly(t, app).Auth

	const n = 8
	errs := make(chan error, n)
	created := make(chan bool, n)
	for range n {
		go func() {
			_, c, err := svc.DeviceLogin(app, auth.DeviceCredentials{DeviceId: "race-device-1", DeviceSecret: knownSecret})
			errs <- err
			created <- c
		}()
	}
	createdCount := 0
	for range n {
		if err := <-errs; err != nil {
			t.Fatalf("login failed: %v", err)
		}
		if <-created {
			createdCount++
		}
	}
	if createdCount != 1 {
		t.Fatalf("expected exactly one registration, got %d", createdCount)
	}
	total, err := app.CountRecords(collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 {
		t.Fatalf("expected 1 user, got %d", total)
	}
}
