package expotest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"
)

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
