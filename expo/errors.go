package expo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors, to be matched with errors.Is.
var (
	// ErrUnauthorized matches a [*RequestError] for HTTP 401 or code
	// UNAUTHORIZED: the access token is missing or wrong. Fix the
	// configuration; retrying will not help.
	ErrUnauthorized = errors.New("expo: unauthorized")
	// ErrMalformedResponse matches a [*RequestError] for a response that
	// could not be decoded (wrapped in its Err field).
	ErrMalformedResponse = errors.New("expo: malformed response")
	// ErrTicketCountMismatch matches a [*RequestError] for a 200 response
	// whose number of tickets differs from the number of notifications.
	ErrTicketCountMismatch = errors.New("expo: ticket count does not match notification count")
	// ErrNoRecipient is the result of a Message whose To is empty; such a
	// message is not sent.
	ErrNoRecipient = errors.New("expo: message has no recipient")
)

// Endpoint names used in RequestError.Endpoint.
const (
	EndpointSend     = "push/send"
	EndpointReceipts = "push/getReceipts"
)

// RequestError is a failed request to Expo: a network error (HTTPStatus 0),
// an HTTP error status, an "errors" body (even with HTTP 200), or a 200 that
// could not be used. It is the error of the last attempt.
type RequestError struct {
	// Endpoint is EndpointSend or EndpointReceipts.
	Endpoint string
	// HTTPStatus is the response status, or 0 if no response was received.
	HTTPStatus int
	// Code is the code of Expo's first error object (e.g.
	// "VALIDATION_ERROR", "TOO_MANY_REQUESTS"), or the "error" of an
	// OAuth-style 401 body ("invalid_token"); empty for other bodies.
	Code string
	// Message is Expo's message, or the start of a non-JSON body.
	Message string
	// Type is the error object's type, e.g. "USER".
	Type string
	// IsTransient is the error object's isTransient flag.
	IsTransient bool
	// RequestID is the error object's requestId, for Expo support.
	RequestID string
	// Details is the error object's raw details, e.g. the project → tokens
	// map of PUSH_TOO_MANY_EXPERIENCE_IDS.
	Details json.RawMessage
	// RetryAfter is the response's Retry-After delay, if it had one.
	RetryAfter time.Duration
	// Attempts is the number of attempts made.
	Attempts int
	// Err is the underlying cause: a network error, ErrMalformedResponse or
	// ErrTicketCountMismatch (possibly wrapping a decoding error), or nil.
	Err error

	permanent bool // failed before sending, e.g. a bad BaseURL
}

// Error implements error.
func (e *RequestError) Error() string {
	var b strings.Builder
	b.WriteString("expo: ")
	b.WriteString(e.Endpoint)
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.HTTPStatus)
	}
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RequestID != "" {
		b.WriteString(" (request ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *RequestError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnauthorized) hold for authentication failures.
func (e *RequestError) Is(target error) bool {
	return target == ErrUnauthorized &&
		(e.HTTPStatus == http.StatusUnauthorized || e.Code == "UNAUTHORIZED" || e.Code == "invalid_token")
}

// Retryable reports whether sending the same request again may succeed:
// network errors and timeouts, HTTP 429 and 5xx, codes TOO_MANY_REQUESTS and
// INTERNAL_SERVER_ERROR, and error objects marked isTransient. A 200 that
// could not be used is not retryable, since Expo has probably accepted it.
func (e *RequestError) Retryable() bool {
	switch {
	case e.permanent:
		return false
	case e.IsTransient:
		return true
	case e.HTTPStatus == 0:
		return e.Err != nil
	case e.HTTPStatus == http.StatusTooManyRequests, e.HTTPStatus >= 500:
		return true
	case e.Code == "TOO_MANY_REQUESTS", e.Code == "INTERNAL_SERVER_ERROR":
		return true
	}
	return false
}
