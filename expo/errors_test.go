package expo

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRequestErrorRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  RequestError
		want bool
	}{
		{"network error", RequestError{Err: io.ErrUnexpectedEOF}, true},
		{"bad URL", RequestError{Err: errors.New("bad"), permanent: true}, false},
		{"429", RequestError{HTTPStatus: 429, Code: "TOO_MANY_REQUESTS"}, true},
		{"500", RequestError{HTTPStatus: 500, Code: "INTERNAL_SERVER_ERROR"}, true},
		{"502 html", RequestError{HTTPStatus: 502, Message: "<html>"}, true},
		{"503", RequestError{HTTPStatus: 503}, true},
		{"504", RequestError{HTTPStatus: 504}, true},
		{"400 validation", RequestError{HTTPStatus: 400, Code: "VALIDATION_ERROR"}, false},
		{"400 transient", RequestError{HTTPStatus: 400, Code: "SOMETHING", IsTransient: true}, true},
		{"401 unauthorized", RequestError{HTTPStatus: 401, Code: "UNAUTHORIZED"}, false},
		{"401 invalid_token", RequestError{HTTPStatus: 401, Code: "invalid_token"}, false},
		{"too many notifications", RequestError{HTTPStatus: 400, Code: "PUSH_TOO_MANY_NOTIFICATIONS"}, false},
		{"too many experience ids", RequestError{HTTPStatus: 400, Code: "PUSH_TOO_MANY_EXPERIENCE_IDS"}, false},
		{"too many receipts", RequestError{HTTPStatus: 400, Code: "PUSH_TOO_MANY_RECEIPTS"}, false},
		{"200 errors internal", RequestError{HTTPStatus: 200, Code: "INTERNAL_SERVER_ERROR"}, true},
		{"200 errors validation", RequestError{HTTPStatus: 200, Code: "VALIDATION_ERROR"}, false},
		{"200 malformed", RequestError{HTTPStatus: 200, Err: ErrMalformedResponse}, false},
		{"200 count mismatch", RequestError{HTTPStatus: 200, Err: ErrTicketCountMismatch}, false},
		{"413 from a proxy", RequestError{HTTPStatus: 413}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Retryable(); got != tt.want {
				t.Errorf("Retryable() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRequestErrorIsAndMessage(t *testing.T) {
	e := &RequestError{Endpoint: EndpointSend, HTTPStatus: 401, Code: "invalid_token", Message: "The bearer token is invalid", Attempts: 1}
	if !errors.Is(e, ErrUnauthorized) {
		t.Error("401 invalid_token is not ErrUnauthorized")
	}
	if errors.Is(&RequestError{HTTPStatus: 400}, ErrUnauthorized) {
		t.Error("400 is ErrUnauthorized")
	}
	if got, want := e.Error(), "expo: push/send: HTTP 401 invalid_token: The bearer token is invalid"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &RequestError{Endpoint: EndpointReceipts, HTTPStatus: 200, Err: ErrMalformedResponse, RequestID: "r1", Attempts: 3}
	if got, want := e.Error(), "expo: push/getReceipts: HTTP 200: expo: malformed response (request r1) after 3 attempts"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrMalformedResponse) {
		t.Error("Unwrap does not reach ErrMalformedResponse")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-10 * time.Second).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	html := "<html>\n<head><title>504 Gateway Time-out</title></head>\n<body>" + strings.Repeat("x", 500) + "</body></html>"
	got := snippet([]byte(html))
	if !strings.HasPrefix(got, "<html> <head><title>504 Gateway Time-out</title></head> <body>") {
		t.Errorf("snippet = %q", got)
	}
	if len(got) > 210 || !strings.HasSuffix(got, "…") {
		t.Errorf("snippet not cut: len %d, %q", len(got), got)
	}
	if got := snippet([]byte("\xff\xfeplain")); got != "plain" {
		t.Errorf("snippet of invalid UTF-8 = %q", got)
	}
}

func TestBackoff(t *testing.T) {
	c := New(Config{BaseBackoff: time.Second, MaxBackoff: 5 * time.Second})
	c.jitter = func(d time.Duration) time.Duration { return d }
	want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := c.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	for range 1000 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("fullJitter(1s) = %v", d)
		}
	}
}
