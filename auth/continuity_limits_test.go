package auth_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/security"

	"circly/auth"
	"circly/circlytest"
	"circly/collections"
)

// The continuity routes with the rate limiter on, as the migration sets
// it: 10 requests a minute per IP on each route, and 5 redeem/recover
// requests per code value per 10 minutes whatever the IP.

func randomTransferCode() string {
	return security.RandomStringWithAlphabet(auth.TransferCodeLength, collections.InviteCodeAlphabet)
}

func randomRecoveryCode() string {
	return security.RandomStringWithAlphabet(auth.RecoveryCodeLength, collections.InviteCodeAlphabet)
}

func TestContinuityLimitsPerIP(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	if !app.Settings().RateLimits.Enabled {
		t.Fatal("the rate limiter is off")
	}
	h := circlytest.Handler(t, app)
	token := circlytest.Token(t, circlytest.CreateUser(t, app))
	device := map[string]any{"device_id": "limit-phone-1", "device_secret": strings.Repeat("s", 40)}
	with := func(key, code string) map[string]any {
		b := map[string]any{key: code}
		for k, v := range device {
			b[k] = v
		}
		return b
	}

	routes := []struct {
		path, token string
		body        func() map[string]any
		status      int // of the requests within the limit
	}{
		{auth.TransferPath, token, func() map[string]any { return nil }, 200},
		{auth.RecoveryPath, token, func() map[string]any { return nil }, 200},
		// a different guess each time: the per-code limit never applies
		{auth.TransferRedeemPath, "", func() map[string]any { return with("code", randomTransferCode()) }, 404},
		{auth.RecoverPath, "", func() map[string]any { return with("recovery_code", randomRecoveryCode()) }, 401},
	}
	for i, r := range routes {
		ip := fmt.Sprintf("203.0.113.%d", i+1)
		for n := range 10 {
			rec := circlytest.Do(h, circlytest.Request{Method: "POST", URL: r.path, Token: r.token, Body: r.body(), RemoteAddr: ip + ":1000"})
			if rec.Code != r.status {
				t.Fatalf("%s request %d: %d %s, want %d", r.path, n+1, rec.Code, rec.Body.String(), r.status)
			}
		}
		rec := circlytest.Do(h, circlytest.Request{Method: "POST", URL: r.path, Token: r.token, Body: r.body(), RemoteAddr: ip + ":1000"})
		if rec.Code != 429 || !strings.Contains(rec.Body.String(), `"status":429`) {
			t.Fatalf("%s request 11: %d %s, want 429", r.path, rec.Code, rec.Body.String())
		}
		// another address is not held back
		rec = circlytest.Do(h, circlytest.Request{Method: "POST", URL: r.path, Token: r.token, Body: r.body(), RemoteAddr: "198.51.100.99:1000"})
		if rec.Code != r.status {
			t.Fatalf("%s from another IP: %d %s", r.path, rec.Code, rec.Body.String())
		}
	}
}

func TestContinuityLimitsPerCode(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	svc := circlytest.Circly(t, app).Auth
	user := circlytest.CreateUser(t, app)
	code, _, err := svc.NewTransferCode(app, user.Id)
	if err != nil {
		t.Fatal(err)
	}
	recovery, err := svc.NewRecoveryCode(app, user.Id)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		path, key, code string
		status          int // of the attempts within the limit
	}{
		// attempts with a wrong secret of a device in use: the code is
		// right, the request fails, the code stays
		{auth.TransferRedeemPath, "code", code, 401},
		{auth.RecoverPath, "recovery_code", recovery, 401},
	}
	occupied := circlytest.CreateUser(t, app)
	deviceId := collections.AsUser(occupied).DeviceId()
	for i, c := range cases {
		body := map[string]any{c.key: c.code, "device_id": deviceId, "device_secret": strings.Repeat("w", 40)}
		for n := range auth.CodeAttemptsPerWindow {
			// a new address each time: the per-IP limit never applies
			ip := fmt.Sprintf("10.%d.0.%d:1000", i, n+1)
			rec := circlytest.Do(h, circlytest.Request{Method: "POST", URL: c.path, Body: body, RemoteAddr: ip})
			if rec.Code != c.status {
				t.Fatalf("%s attempt %d: %d %s", c.path, n+1, rec.Code, rec.Body.String())
			}
		}
		// the same code, spelt differently, from yet another address
		body[c.key] = strings.ToLower(c.code)
		rec := circlytest.Do(h, circlytest.Request{Method: "POST", URL: c.path, Body: body, RemoteAddr: fmt.Sprintf("10.%d.1.1:1000", i)})
		if rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("%s over the per-code limit: %d %q %s, want 429 with Retry-After", c.path, rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
		}
		// with the right device it is still held back: the limit is the code's
		body["device_id"], body["device_secret"] = "limit-new-phone", strings.Repeat("n", 40)
		rec = circlytest.Do(h, circlytest.Request{Method: "POST", URL: c.path, Body: body, RemoteAddr: fmt.Sprintf("10.%d.1.2:1000", i)})
		if rec.Code != 429 {
			t.Fatalf("%s with the right device over the limit: %d %s", c.path, rec.Code, rec.Body.String())
		}
	}
	// another code value is not held back
	rec := circlytest.Do(h, circlytest.Request{Method: "POST", URL: auth.TransferRedeemPath, RemoteAddr: "10.9.0.1:1000",
		Body: map[string]any{"code": randomTransferCode(), "device_id": "limit-new-phone", "device_secret": strings.Repeat("n", 40)}})
	if rec.Code != 404 {
		t.Fatalf("another code: %d %s", rec.Code, rec.Body.String())
	}
}
