package auth_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"circly/auth"
	"circly/circlytest"
)

// BenchmarkDeviceLogin measures a login of a known device through the full
// HTTP stack (routing, rate limiter, hashing, token signing, response) and
// reports the p50/p99 latency of one request.
func BenchmarkDeviceLogin(b *testing.B) {
	app := circlytest.NewTestApp(b)
	app.Settings().RateLimits.Enabled = false
	svc := circlytest.Circly(b, app).Auth
	if _, _, err := svc.DeviceLogin(app, auth.DeviceCredentials{DeviceId: knownDeviceId, DeviceSecret: knownSecret}); err != nil {
		b.Fatal(err)
	}
	handler := circlytest.Handler(b, app)
	body := `{"device_id":"` + knownDeviceId + `","device_secret":"` + knownSecret + `"}`

	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/circly/auth/device", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		handler.ServeHTTP(rec, req)
		durations = append(durations, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	slices.Sort(durations)
	if n := len(durations); n > 0 {
		b.ReportMetric(float64(durations[n/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(durations[n*99/100].Microseconds())/1000, "p99-ms")
	}
}

// A request of a signed-in user whose row the users cache holds (every
// request after a user's first): how long the cache takes to sign it in.
func BenchmarkUserCacheHit(b *testing.B) {
	app := circlytest.NewTestApp(b)
	u := circlytest.CreateUser(b, app)
	token := circlytest.Token(b, u)
	c := auth.NewUserCache()
	now := time.Now()
	if c.Find(app, token, now) == nil {
		b.Fatal("a valid token did not sign the user in")
	}
	b.ReportAllocs()
	for b.Loop() {
		if c.Find(app, token, now) == nil {
			b.Fatal("a valid token did not sign the user in")
		}
	}
}
