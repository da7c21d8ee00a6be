package expotest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

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
