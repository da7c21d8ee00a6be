package circlytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// Request is one request sent through an app's handler. Body is sent as
// JSON unless it is an io.Reader or []byte (sent as is, with the given
// Content-Type header or none).
type Request struct {
	Method, URL, Token string
	Body               any
	Header             map[string]string // extra headers (Content-Type, User-Agent, …)
	RemoteAddr         string            // the client's address; httptest's default when empty
}

// Do sends r through h and returns the recorded response. It never calls
// t.Fatal, so it may run in goroutines; a body that cannot be encoded is a
// panic (a bug in the test).
func Do(h http.Handler, r Request) *httptest.ResponseRecorder {
	var rdr io.Reader
	contentType := "application/json"
	switch b := r.Body.(type) {
	case nil:
	case io.Reader:
		rdr, contentType = b, ""
	case []byte:
		rdr, contentType = bytes.NewReader(b), ""
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		rdr = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(r.Method, r.URL, rdr)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", r.Token)
	}
	if r.RemoteAddr != "" {
		req.RemoteAddr = r.RemoteAddr
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Call sends a JSON request through h and returns the status and the
// decoded JSON body (nil when empty).
func Call(t testing.TB, h http.Handler, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	rec := Do(h, Request{Method: method, URL: url, Token: token, Body: body})
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: undecodable body %q", method, url, rec.Body.String())
		}
	}
	return rec.Code, out
}

// Q escapes a value for a URL query (filters, ids in query strings).
func Q(s string) string { return url.QueryEscape(s) }

// FileToken asks POST /api/files/token as the holder of authToken (a
// protected file is served with ?token= of a user who may view its record).
func FileToken(t testing.TB, h http.Handler, authToken string) string {
	t.Helper()
	status, body := Call(t, h, "POST", "/api/files/token", authToken, nil)
	token, _ := body["token"].(string)
	if status != http.StatusOK || token == "" {
		t.Fatalf("file token: %d %v", status, body)
	}
	return token
}
