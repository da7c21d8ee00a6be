package expotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

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
