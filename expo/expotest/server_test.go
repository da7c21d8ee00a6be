package expotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

type response struct {
	status int
	header http.Header
	body   []byte
}

// errorsEnvelope decodes both failure shapes and the data of successes.
type envelope struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Code        string          `json:"code"`
		Message     string          `json:"message"`
		Type        string          `json:"type"`
		IsTransient *bool           `json:"isTransient"`
		RequestID   string          `json:"requestId"`
		Details     json.RawMessage `json:"details"`
	} `json:"errors"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func (r response) envelope(t *testing.T) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
	return e
}

func (r response) tickets(t *testing.T) []ticketJSON {
	t.Helper()
	var ts []ticketJSON
	if err := json.Unmarshal(r.envelope(t).Data, &ts); err != nil {
		t.Fatalf("data is not a ticket array: %v: %s", err, r.body)
	}
	return ts
}

func (r response) errorCode(t *testing.T) string {
	t.Helper()
	e := r.envelope(t)
	if len(e.Errors) != 1 {
		t.Fatalf("want one error object, got %s", r.body)
	}
	o := e.Errors[0]
	if o.Code == "" || o.Message == "" || o.Type == "" || o.IsTransient == nil || !uuidV7.MatchString(o.RequestID) {
		t.Errorf("incomplete error object: %s", r.body)
	}
	return o.Code
}

func do(t *testing.T, method, url string, body []byte, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func post(t *testing.T, url, body string) response {
	t.Helper()
	return do(t, http.MethodPost, url, []byte(body), nil)
}

func tok(i int) string { return fmt.Sprintf("ExponentPushToken[t%04d]", i) }

func messagesJSON(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"to":%q,"title":"hi","badge":0}`, tok(i))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func TestRoutes(t *testing.T) {
	s := newTestServer(t, WithBasePath("/--/api/v2/"))
	if !strings.HasSuffix(s.URL, "/--/api/v2") {
		t.Fatalf("URL = %s", s.URL)
	}
	root := s.HTTPServer.URL
	tests := []struct {
		name, method, url string
		want              int
	}{
		{"send", http.MethodPost, s.URL + "/push/send", 200},
		{"receipts", http.MethodPost, s.URL + "/push/getReceipts", 200},
		{"GET send", http.MethodGet, s.URL + "/push/send", 405},
		{"PUT receipts", http.MethodPut, s.URL + "/push/getReceipts", 405},
		{"unknown route", http.MethodPost, s.URL + "/push/other", 404},
		{"outside base path", http.MethodPost, root + "/push/send", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := messagesJSON(1)
			if strings.HasSuffix(tt.url, "getReceipts") {
				body = `{"ids":[]}`
			}
			r := do(t, tt.method, tt.url, []byte(body), nil)
			if r.status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.status, tt.want, r.body)
			}
			if tt.want == 405 && r.header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q", r.header.Get("Allow"))
			}
			if tt.want == 200 && r.header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", r.header.Get("Content-Type"))
			}
		})
	}
	if got := s.SendRequests(); got != 1 {
		t.Errorf("SendRequests = %d, want 1 (only POSTs to the route count)", got)
	}
	if got := len(s.Requests()); got != len(tests) {
		t.Errorf("%d requests recorded, want %d", got, len(tests))
	}
}

func TestAuth(t *testing.T) {
	s := newTestServer(t, WithAccessToken("secret"))
	tests := []struct {
		name      string
		auth      string
		want      int
		wantCode  string // errors[] shape
		wantOAuth string // OAuth shape
	}{
		{"missing", "", 401, CodeUnauthorized, ""},
		{"wrong", "Bearer nope", 401, "", "invalid_token"},
		{"not bearer", "Basic c2VjcmV0", 401, "", "invalid_token"},
		{"right", "Bearer secret", 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.auth != "" {
				h["Authorization"] = tt.auth
			}
			for _, path := range []string{"/push/send", "/push/getReceipts"} {
				body := messagesJSON(1)
				if path == "/push/getReceipts" {
					body = `{"ids":["x"]}`
				}
				r := do(t, http.MethodPost, s.URL+path, []byte(body), h)
				if r.status != tt.want {
					t.Fatalf("%s: status %d, want %d", path, r.status, tt.want)
				}
				if tt.wantCode != "" && r.errorCode(t) != tt.wantCode {
					t.Errorf("%s: %s", path, r.body)
				}
				if e := r.envelope(t); tt.wantOAuth != "" && (e.Error != tt.wantOAuth || e.ErrorDescription == "" || len(e.Errors) != 0) {
					t.Errorf("%s: %s", path, r.body)
				}
			}
		})
	}
	s.SetAccessToken("")
	if r := post(t, s.URL+"/push/send", messagesJSON(1)); r.status != 200 {
		t.Errorf("auth off: %d", r.status)
	}
}

func TestProjects(t *testing.T) {
	s := newTestServer(t)
	s.SetProject("@other/app", tok(1), tok(2))
	r := post(t, s.URL+"/push/send", messagesJSON(3))
	if r.status != 400 || r.errorCode(t) != CodePushTooManyExperienceIDs {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var details map[string][]string
	if err := json.Unmarshal(r.envelope(t).Errors[0].Details, &details); err != nil {
		t.Fatal(err)
	}
	if len(details["@other/app"]) != 2 || len(details[DefaultProject]) != 1 {
		t.Errorf("details = %v", details)
	}
	if r := post(t, s.URL+"/push/send", `[{"to":"`+tok(1)+`"},{"to":"`+tok(2)+`"}]`); r.status != 200 {
		t.Errorf("one foreign project only: %d", r.status)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s := newTestServer(t, WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	s.SetRateLimit(150)
	if r := post(t, s.URL+"/push/send", messagesJSON(100)); r.status != 200 {
		t.Fatalf("first: %d", r.status)
	}
	r := post(t, s.URL+"/push/send", messagesJSON(100))
	if r.status != 429 || r.errorCode(t) != CodeTooManyRequests || !strings.Contains(string(r.body), "Exceeded 150 notifications per second") {
		t.Fatalf("second: %d %s", r.status, r.body)
	}
	if r := post(t, s.URL+"/push/send", messagesJSON(50)); r.status != 200 {
		t.Errorf("within the limit: %d", r.status)
	}
	mu.Lock()
	now = now.Add(1001 * time.Millisecond)
	mu.Unlock()
	if r := post(t, s.URL+"/push/send", messagesJSON(100)); r.status != 200 {
		t.Errorf("after a second: %d", r.status)
	}
	if got := len(s.Messages()); got != 250 {
		t.Errorf("%d messages delivered", got)
	}
}

func TestConcurrentRequestsAndReset(t *testing.T) {
	h := NewHandler(WithBasePath("/base"))
	ts := httptest.NewServer(h)
	defer ts.Close()
	h.SetLatency(20 * time.Millisecond)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if r := post(t, ts.URL+"/base/push/send", messagesJSON(10)); r.status != 200 {
				t.Errorf("status %d", r.status)
			}
		})
	}
	wg.Wait()
	if got := h.MaxInFlight(); got < 2 || got > 8 {
		t.Errorf("MaxInFlight = %d", got)
	}
	if h.InFlight() != 0 || h.SendRequests() != 8 || len(h.Notifications()) != 80 {
		t.Errorf("InFlight %d, SendRequests %d, notifications %d", h.InFlight(), h.SendRequests(), len(h.Notifications()))
	}
	h.Reset()
	if h.MaxInFlight() != 0 || h.SendRequests() != 0 || len(h.Requests()) != 0 || len(h.Messages()) != 0 {
		t.Error("Reset left records")
	}
}

func TestCloseEndsStalls(t *testing.T) {
	s := NewServer()
	s.SetLatency(time.Minute)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Post(s.URL+"/push/send", "application/json", strings.NewReader(messagesJSON(1)))
		if err == nil {
			resp.Body.Close()
		}
	}()
	for s.InFlight() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	s.Close()
	<-done
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Close took %v", el)
	}
}

func TestNewUUID(t *testing.T) {
	seen := map[string]bool{}
	at := time.UnixMilli(0x0123456789ab)
	for range 1000 {
		id := newUUID(at)
		if !uuidV7.MatchString(id) || seen[id] || !strings.HasPrefix(id, "01234567-89ab-7") {
			t.Fatalf("bad or repeated id %s", id)
		}
		seen[id] = true
	}
}
