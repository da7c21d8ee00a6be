package realbin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// StatusError is a non-2xx answer.
type StatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// Call sends a JSON request (body may be nil) with token as Authorization
// (unless empty) and decodes a 2xx answer into out (may be nil). It
// returns the status (0 when no answer came) and, for a non-2xx answer, a
// *StatusError.
func (s *Server) Call(method, path, token string, body, out any) (int, error) {
	var rdr io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rdr = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, rdr)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := s.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if res.StatusCode >= 300 {
		return res.StatusCode, &StatusError{method, path, res.StatusCode, string(raw)}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %w: %s", method, path, err, raw)
		}
	}
	return res.StatusCode, nil
}

// SignIn signs the superuser in (Token) and turns the rate limiter off.
func (s *Server) SignIn() error {
	var res struct {
		Token string `json:"token"`
	}
	if _, err := s.Call("POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": s.SuperuserEmail, "password": s.SuperuserPassword}, &res); err != nil {
		return err
	}
	s.Token = res.Token
	return s.DisableRateLimits()
}

// DisableRateLimits turns PocketBase's rate limiter off (as the superuser)
// so that many users can act from one IP.
func (s *Server) DisableRateLimits() error {
	_, err := s.Call("PATCH", "/api/settings", s.Token, map[string]any{"rateLimits": map[string]any{"enabled": false}}, nil)
	return err
}
