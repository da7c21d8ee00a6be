package expotest

import (
	"bytes"
	"compress/gzip"
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

func TestSendValidation(t *testing.T) {
	many := make([]string, 101)
	for i := range many {
		many[i] = tok(i)
	}
	manyJSON, _ := json.Marshal(many)
	tests := []struct {
		name        string
		body        string
		wantCode    string
		wantMessage string
	}{
		{"to array over 100", `[{"to":` + string(manyJSON) + `}]`, CodeValidationError, `"[0].to" must contain less than or equal to 100 items`},
		{"missing to", `[{"to":"` + tok(1) + `"},{"title":"x"}]`, CodeValidationError, `"[1].to" is required`},
		{"to a number", `{"to":5}`, CodeValidationError, `"[0].to"`},
		{"to empty array", `{"to":[]}`, CodeValidationError, "at least 1"},
		{"to empty string", `{"to":""}`, CodeValidationError, "empty"},
		{"badge a string", `{"to":"` + tok(1) + `","badge":"1"}`, CodeValidationError, `"[0].badge"`},
		{"message not an object", `["x"]`, CodeValidationError, `"[0]" must be of type object`},
		{"empty array", `[]`, CodeValidationError, "at least 1"},
		{"not JSON", `hello`, CodeValidationError, "object or array"},
		{"101 recipients", messagesJSON(101), CodePushTooManyNotifications, "(received 101)"},
		{"an array of 100 plus one", `[{"to":` + jsonTokens(0, 100) + `},{"to":"` + tok(100) + `"}]`, CodePushTooManyNotifications, "(received 101)"},
		{"51+50 recipients", `[{"to":` + jsonTokens(0, 51) + `},{"to":` + jsonTokens(51, 50) + `}]`, CodePushTooManyNotifications, "(received 101)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t)
			r := post(t, s.URL+"/push/send", tt.body)
			if r.status != 400 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if code := r.errorCode(t); code != tt.wantCode {
				t.Errorf("code %s, want %s", code, tt.wantCode)
			}
			if !strings.Contains(r.envelope(t).Errors[0].Message, tt.wantMessage) {
				t.Errorf("message %q lacks %q", r.envelope(t).Errors[0].Message, tt.wantMessage)
			}
			if n := len(s.Messages()); n != 0 {
				t.Errorf("%d messages delivered", n)
			}
		})
	}
}

func jsonTokens(from, n int) string {
	ts := make([]string, n)
	for i := range ts {
		ts[i] = tok(from + i)
	}
	b, _ := json.Marshal(ts)
	return string(b)
}

func TestSendTickets(t *testing.T) {
	s := newTestServer(t)
	s.MarkDeviceNotRegistered(tok(2))
	s.SetTicketError(tok(3), "MessageRateExceeded")
	big := strings.Repeat("x", 5000)
	body := `[{"to":["` + tok(0) + `","` + tok(1) + `"]},{"to":"` + tok(2) + `"},{"to":"` + tok(3) + `"},` +
		`{"to":"junk"},{"to":"` + tok(4) + `","body":"` + big + `"},{"to":"ExpoPushToken[ok]"}]`
	r := post(t, s.URL+"/push/send", body)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	ts := r.tickets(t)
	want := []struct{ status, code, token string }{
		{"ok", "", ""}, {"ok", "", ""},
		{"error", "DeviceNotRegistered", tok(2)},
		{"error", "MessageRateExceeded", tok(3)},
		{"error", "DeviceNotRegistered", "junk"},
		{"error", "MessageTooBig", ""},
		{"ok", "", ""},
	}
	if len(ts) != len(want) {
		t.Fatalf("%d tickets, want %d: %s", len(ts), len(want), r.body)
	}
	seen := map[string]bool{}
	for i, w := range want {
		tk := ts[i]
		if tk.Status != w.status {
			t.Errorf("ticket %d: %+v", i, tk)
			continue
		}
		if w.status == "ok" {
			if !uuidV7.MatchString(tk.ID) || seen[tk.ID] || tk.Details != nil {
				t.Errorf("ticket %d: %+v", i, tk)
			}
			seen[tk.ID] = true
			continue
		}
		if tk.ID != "" || tk.Message == "" || tk.Details == nil || tk.Details.Error != w.code || tk.Details.ExpoPushToken != w.token {
			t.Errorf("ticket %d: %+v %+v", i, tk, tk.Details)
		}
	}
	if got := len(s.Messages()); got != 6 {
		t.Errorf("%d messages, want 6", got)
	}
	if got := s.MessagesTo(tok(1)); len(got) != 1 || len(got[0].To) != 2 || got[0].Badge != nil {
		t.Errorf("MessagesTo = %+v", got)
	}
	if got := len(s.Notifications()); got != 7 {
		t.Errorf("%d notifications, want 7", got)
	}
	s.SetMaxPayloadBytes(0)
	if ts := post(t, s.URL+"/push/send", `{"to":"`+tok(4)+`","body":"`+big+`"}`).tickets(t); ts[0].Status != "ok" {
		t.Errorf("size check not off: %+v", ts[0])
	}
	s.ClearToken(tok(2))
	if ts := post(t, s.URL+"/push/send", `{"to":"`+tok(2)+`"}`).tickets(t); ts[0].Status != "ok" {
		t.Errorf("ClearToken: %+v", ts[0])
	}
}

func TestSendGzipBodiesAndResponses(t *testing.T) {
	s := newTestServer(t)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(messagesJSON(50)))
	_ = zw.Close()
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/push/send", &buf)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if ts := (response{body: b}).tickets(t); len(ts) != 50 {
		t.Errorf("%d tickets", len(ts))
	}
	if rec := s.Requests()[0]; !rec.Gzipped || len(rec.Messages) != 50 || rec.Messages[49].To[0] != tok(49) ||
		rec.Messages[0].Badge == nil || *rec.Messages[0].Badge != 0 {
		t.Errorf("record: gzipped %v, %d messages", rec.Gzipped, len(rec.Messages))
	}

	r := do(t, http.MethodPost, s.URL+"/push/send", []byte("not gzip"), map[string]string{"Content-Encoding": "gzip"})
	if r.status != 400 || r.errorCode(t) != CodeValidationError {
		t.Errorf("bad gzip: %d %s", r.status, r.body)
	}
	r = do(t, http.MethodPost, s.URL+"/push/send", []byte("x"), map[string]string{"Content-Encoding": "br"})
	if r.status != 415 {
		t.Errorf("unknown encoding: %d %s", r.status, r.body)
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

func TestReceipts(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s := newTestServer(t, WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	s.SetReceiptDelay(time.Minute)
	codes := []string{"DeviceNotRegistered", "MessageTooBig", "MessageRateExceeded", "InvalidCredentials", "MismatchSenderId"}
	for i, c := range codes {
		s.SetReceiptError(tok(i+1), c)
	}
	ts := post(t, s.URL+"/push/send", messagesJSON(len(codes)+1)).tickets(t)
	ids := make([]string, len(ts))
	for i, tk := range ts {
		if tk.Status != "ok" {
			t.Fatalf("ticket %d: %+v", i, tk)
		}
		ids[i] = tk.ID
	}
	askJSON, _ := json.Marshal(map[string]any{"ids": append(ids, "unknown")})

	fetch := func() map[string]ticketJSON {
		r := post(t, s.URL+"/push/getReceipts", string(askJSON))
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var data map[string]ticketJSON
		if err := json.Unmarshal(r.envelope(t).Data, &data); err != nil {
			t.Fatalf("data is not an object: %s", r.body)
		}
		return data
	}
	if got := fetch(); len(got) != 0 {
		t.Fatalf("receipts before ready: %v", got)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	got := fetch()
	if len(got) != len(ids) {
		t.Fatalf("%d receipts, want %d", len(got), len(ids))
	}
	if r := got[ids[0]]; r.Status != "ok" || r.Details != nil {
		t.Errorf("receipt 0: %+v", r)
	}
	for i, c := range codes {
		r := got[ids[i+1]]
		if r.Status != "error" || r.Message == "" || r.Details == nil || r.Details.Error != c {
			t.Errorf("receipt %s: %+v", c, r)
		}
		if c == "DeviceNotRegistered" && r.Details.ExpoPushToken != tok(1) {
			t.Errorf("DNR receipt without token: %+v", r.Details)
		}
	}
	if rec := s.Requests(); len(rec[len(rec)-1].ReceiptIDs) != len(ids)+1 {
		t.Errorf("receipt ids not recorded")
	}

	tests := []struct {
		name, body string
		wantCode   string
	}{
		{"1001 ids", `{"ids":` + jsonTokens(0, 1001) + `}`, CodePushTooManyReceipts},
		{"no ids", `{}`, CodeValidationError},
		{"ids not strings", `{"ids":[1,2]}`, CodeValidationError},
		{"not an object", `["a"]`, CodeValidationError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, s.URL+"/push/getReceipts", tt.body)
			if r.status != 400 || r.errorCode(t) != tt.wantCode {
				t.Errorf("%d %s", r.status, r.body)
			}
		})
	}
	if r := post(t, s.URL+"/push/getReceipts", `{"ids":`+jsonTokens(0, 1000)+`}`); r.status != 200 {
		t.Errorf("1000 ids: %d", r.status)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		fault      Fault
		wantStatus int
		wantType   string
		wantCode   string
		delivered  int
	}{
		{Fault{Kind: FaultTooManyRequests, RetryAfter: "2"}, 429, "application/json; charset=utf-8", CodeTooManyRequests, 0},
		{Fault{Kind: FaultInternalError}, 500, "application/json; charset=utf-8", CodeInternalServerError, 0},
		{Fault{Kind: FaultInternalError, Deliver: true}, 500, "application/json; charset=utf-8", CodeInternalServerError, 2},
		{Fault{Kind: FaultBadGateway}, 502, "text/html", "", 0},
		{Fault{Kind: FaultServiceUnavailable}, 503, "text/plain", "", 0},
		{Fault{Kind: FaultGatewayTimeout, Deliver: true}, 504, "text/html", "", 2},
		{Fault{Kind: FaultErrorsIn200}, 200, "application/json; charset=utf-8", CodeInternalServerError, 0},
		{Fault{Kind: FaultMalformedJSON}, 200, "application/json; charset=utf-8", "", 2},
		{Fault{Kind: FaultWrongTicketCount}, 200, "application/json; charset=utf-8", "", 2},
		{Fault{Kind: FaultDelay, Delay: 10 * time.Millisecond}, 200, "application/json; charset=utf-8", "", 2},
		{ErrorFault(400, CodeValidationError, "bad", false), 400, "application/json; charset=utf-8", CodeValidationError, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v deliver=%v", tt.fault.Kind, tt.fault.Deliver), func(t *testing.T) {
			s := newTestServer(t)
			s.FailNext(1, tt.fault)
			r := post(t, s.URL+"/push/send", messagesJSON(2))
			if r.status != tt.wantStatus || r.header.Get("Content-Type") != tt.wantType {
				t.Fatalf("status %d, type %q: %s", r.status, r.header.Get("Content-Type"), r.body)
			}
			if tt.wantCode != "" && r.errorCode(t) != tt.wantCode {
				t.Errorf("body %s", r.body)
			}
			if r.header.Get("Retry-After") != tt.fault.RetryAfter {
				t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
			}
			switch tt.fault.Kind {
			case FaultMalformedJSON:
				if json.Valid(r.body) {
					t.Errorf("body is valid JSON: %s", r.body)
				}
			case FaultWrongTicketCount:
				if n := len(r.tickets(t)); n != 1 {
					t.Errorf("%d tickets", n)
				}
			case FaultBadGateway, FaultServiceUnavailable, FaultGatewayTimeout:
				if json.Valid(r.body) {
					t.Errorf("body is JSON: %s", r.body)
				}
			}
			if got := len(s.Messages()); got != tt.delivered {
				t.Errorf("%d messages delivered, want %d", got, tt.delivered)
			}
			if got := s.Requests()[0].Fault; got != tt.fault.Kind {
				t.Errorf("recorded fault %v", got)
			}
			// The fault is used up.
			if r := post(t, s.URL+"/push/send", messagesJSON(2)); r.status != 200 || len(r.tickets(t)) != 2 {
				t.Errorf("next request: %d %s", r.status, r.body)
			}
		})
	}
}

func TestFaultQueueAndHangUp(t *testing.T) {
	s := newTestServer(t)
	s.FailNext(1, Fault{Kind: FaultHangUp})
	s.FailNext(2, Fault{Kind: FaultBadGateway})
	s.FailNextReceipts(1, Fault{Kind: FaultWrongTicketCount})
	if s.PendingFaults() != 4 {
		t.Fatalf("PendingFaults = %d", s.PendingFaults())
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/push/send", strings.NewReader(messagesJSON(1)))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("hang-up answered %d", resp.StatusCode)
	}
	for range 2 {
		if r := post(t, s.URL+"/push/send", messagesJSON(1)); r.status != 502 {
			t.Errorf("status %d", r.status)
		}
	}
	if r := post(t, s.URL+"/push/send", messagesJSON(1)); r.status != 200 {
		t.Errorf("status %d", r.status)
	}
	r := post(t, s.URL+"/push/getReceipts", `{"ids":["a"]}`)
	if r.status != 200 || strings.TrimSpace(string(r.envelope(t).Data)) != "[]" {
		t.Errorf("receipts fault: %s", r.body)
	}
	if s.PendingFaults() != 0 {
		t.Errorf("PendingFaults = %d", s.PendingFaults())
	}
	if recs := s.Requests(); recs[0].Status != 0 || recs[0].Fault != FaultHangUp {
		t.Errorf("hang-up record: %+v", recs[0])
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
