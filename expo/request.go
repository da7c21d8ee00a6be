package expo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 8 << 20

// attempt makes one request; nil means use accepted the response.
func (c *Client) attempt(ctx context.Context, endpoint, url string, body []byte, gzipped bool, use func(json.RawMessage) error) *RequestError {
	req, err := c.newRequest(ctx, url, body, gzipped)
	if err != nil {
		// A bad BaseURL: not a network error, so not retryable.
		return &RequestError{Endpoint: endpoint, Err: err, permanent: true}
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return &RequestError{Endpoint: endpoint, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		if resp.StatusCode/100 == 2 {
			// The answer was cut off, but Expo has accepted the request:
			// not retried, like any unusable 200.
			return &RequestError{Endpoint: endpoint, HTTPStatus: resp.StatusCode,
				Err: fmt.Errorf("%w: reading body: %v", ErrMalformedResponse, err)}
		}
		raw = nil // an error status is enough to decide
	}
	return c.judge(endpoint, resp, raw, use)
}

// newRequest builds the POST of body to url with Expo's headers.
func (c *Client) newRequest(ctx context.Context, url string, body []byte, gzipped bool) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if gzipped {
		req.Header.Set("Content-Encoding", "gzip")
	}
	if c.accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.accessToken)
	}
	return req, nil
}

// envelope is Expo's response body: data, or an "errors" array, or an
// OAuth-style error.
type envelope struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Code        string          `json:"code"`
		Message     string          `json:"message"`
		Type        string          `json:"type"`
		IsTransient bool            `json:"isTransient"`
		RequestID   string          `json:"requestId"`
		Details     json.RawMessage `json:"details"`
	} `json:"errors"`
	OAuthError       string `json:"error"`
	OAuthDescription string `json:"error_description"`
}

// judge decides on a response whose body (possibly nil) is raw: nil when use
// accepted its data, else the attempt's error.
func (c *Client) judge(endpoint string, resp *http.Response, raw []byte, use func(json.RawMessage) error) *RequestError {
	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	rerr := &RequestError{Endpoint: endpoint, HTTPStatus: resp.StatusCode}
	switch {
	case jsonErr == nil && len(env.Errors) > 0:
		e := env.Errors[0]
		rerr.Code, rerr.Message, rerr.Type = e.Code, e.Message, e.Type
		rerr.IsTransient, rerr.RequestID, rerr.Details = e.IsTransient, e.RequestID, e.Details
	case resp.StatusCode/100 == 2 && jsonErr != nil:
		rerr.Err = fmt.Errorf("%w: %v", ErrMalformedResponse, jsonErr)
		rerr.Message = snippet(raw)
	case resp.StatusCode/100 == 2:
		if err := use(env.Data); err != nil {
			rerr.Err = err
			return rerr
		}
		return nil
	case jsonErr == nil && env.OAuthError != "":
		rerr.Code, rerr.Message = env.OAuthError, env.OAuthDescription
	default:
		rerr.Message = snippet(raw)
		if rerr.Message == "" {
			rerr.Message = http.StatusText(resp.StatusCode)
		}
	}
	rerr.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	return rerr
}

// snippet returns the start of a body that is not usable JSON (an HTML
// gateway page, plain text), on one line.
func snippet(b []byte) string {
	const limit = 200
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b[:min(len(b), 4*limit)]), "")), " ")
	if len(s) > limit {
		s = strings.ToValidUTF8(s[:limit], "") + "…"
	}
	return s
}
