package expo

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"circly/expo/expotest"
)

func TestSendErrorTickets(t *testing.T) {
	srv := newServer(t)
	dead, limited, laterDead := token(1), token(2), token(3)
	srv.MarkDeviceNotRegistered(dead)
	srv.SetTicketError(limited, CodeMessageRateExceeded)
	srv.SetReceiptError(laterDead, CodeDeviceNotRegistered)
	c, _ := newTestClient(srv, Config{})
	msgs := []Message{{To: token(0)}, {To: dead}, {To: limited}, {To: "not-a-token"}, {To: laterDead}}
	results := c.Send(context.Background(), msgs)
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("result %d: %v", i, r.Err)
		}
	}
	tests := []struct {
		i         int
		wantOK    bool
		wantClass Class
		wantToken string
	}{
		{0, true, ClassOK, ""},
		{1, false, ClassDeviceNotRegistered, dead},
		{2, false, ClassRetryLater, limited},
		{3, false, ClassDeviceNotRegistered, "not-a-token"},
		{4, true, ClassOK, ""},
	}
	for _, tt := range tests {
		tk := results[tt.i].Ticket
		if tk.OK() != tt.wantOK || tk.Class() != tt.wantClass || tk.Details.ExpoPushToken != tt.wantToken {
			t.Errorf("ticket %d = %+v", tt.i, tk)
		}
		if !tt.wantOK && (tk.ID != "" || tk.Message == "") {
			t.Errorf("error ticket %d = %+v", tt.i, tk)
		}
	}
	if !errors.Is(results[1].Ticket.Err(), ErrDeviceNotRegistered) {
		t.Errorf("ticket 1 err = %v", results[1].Ticket.Err())
	}

	rs, err := c.GetReceipts(context.Background(), []string{results[0].Ticket.ID, results[4].Ticket.ID})
	if err != nil {
		t.Fatal(err)
	}
	if r := rs[results[0].Ticket.ID]; !r.OK() {
		t.Errorf("receipt 0 = %+v", r)
	}
	if r := rs[results[4].Ticket.ID]; !r.DeviceNotRegistered() || r.Details.ExpoPushToken != laterDead {
		t.Errorf("receipt 4 = %+v", r)
	}
}

func TestSendAcceptsSingleTicketObject(t *testing.T) {
	srv := newServer(t)
	srv.FailNext(1, expotest.Fault{Kind: expotest.FaultTicketObject})
	c, _ := newTestClient(srv, Config{})
	ids := ticketIDs(t, c.Send(context.Background(), messages(1)))
	if got := srv.Notifications()[0].TicketID; ids[0] != got {
		t.Errorf("ticket id %s, fake issued %s", ids[0], got)
	}
	if got := srv.Requests()[0].Fault; got != expotest.FaultTicketObject {
		t.Errorf("fault not applied: %v", got)
	}
}

func TestGetReceipts(t *testing.T) {
	srv := newServer(t)
	c, _ := newTestClient(srv, Config{})
	srv.SetReceiptError(token(5), CodeMessageTooBig)
	ids := ticketIDs(t, c.Send(context.Background(), messages(2500)))
	srv.Reset()

	unknown := []string{"0194d1a4-0000-7000-8000-000000000001", "0194d1a4-0000-7000-8000-000000000002"}
	ask := append(slices.Clone(ids), unknown...)
	ask = append(ask, ids[0], "") // duplicates and empties are dropped
	rs, err := c.GetReceipts(context.Background(), ask)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != len(ids) {
		t.Errorf("%d receipts, want %d", len(rs), len(ids))
	}
	for _, id := range unknown {
		if _, ok := rs[id]; ok {
			t.Errorf("unknown id %s has a receipt", id)
		}
	}
	for i, id := range ids {
		r, ok := rs[id]
		switch {
		case !ok:
			t.Fatalf("receipt %d missing", i)
		case i == 5 && (r.OK() || r.Details.Error != CodeMessageTooBig || r.Class() != ClassPermanent):
			t.Errorf("receipt 5 = %+v", r)
		case i != 5 && !r.OK():
			t.Errorf("receipt %d = %+v", i, r)
		}
	}
	var sizes []int
	for _, r := range srv.Requests() {
		sizes = append(sizes, len(r.ReceiptIDs))
		if !r.Gzipped {
			t.Error("large receipts request not gzipped")
		}
	}
	slices.Sort(sizes)
	if want := []int{502, 1000, 1000}; !slices.Equal(sizes, want) {
		t.Errorf("chunk sizes %v, want %v", sizes, want)
	}

	if rs, err := c.GetReceipts(context.Background(), nil); err != nil || len(rs) != 0 {
		t.Errorf("no ids: %v, %v", rs, err)
	}
}

func TestGetReceiptsReadiness(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := newServer(t, expotest.WithClock(clock))
	srv.SetReceiptDelay(15 * time.Minute)
	c, _ := newTestClient(srv, Config{})
	ids := ticketIDs(t, c.Send(context.Background(), messages(3)))

	rs, err := c.GetReceipts(context.Background(), ids)
	if err != nil || len(rs) != 0 {
		t.Fatalf("before ready: %v, %v", rs, err)
	}
	mu.Lock()
	now = now.Add(15 * time.Minute)
	mu.Unlock()
	rs, err = c.GetReceipts(context.Background(), ids)
	if err != nil || len(rs) != 3 {
		t.Fatalf("after ready: %v, %v", rs, err)
	}
}

func TestGetReceiptsFailures(t *testing.T) {
	tests := []struct {
		name         string
		fault        expotest.Fault
		n            int
		wantRequests int
		wantErr      error // nil: success after retry
	}{
		{"503 retried", expotest.Fault{Kind: expotest.FaultServiceUnavailable}, 1, 2, nil},
		{"429 retried", expotest.Fault{Kind: expotest.FaultTooManyRequests}, 2, 3, nil},
		{"data not an object", expotest.Fault{Kind: expotest.FaultWrongTicketCount}, 1, 1, ErrMalformedResponse},
		{"malformed JSON", expotest.Fault{Kind: expotest.FaultMalformedJSON}, 1, 1, ErrMalformedResponse},
		{"too many receipts", expotest.ErrorFault(400, "PUSH_TOO_MANY_RECEIPTS", "You can request a maximum of 1000 receipts per request (received 1001); divide your requests.", false), 1, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			c, _ := newTestClient(srv, Config{})
			ids := ticketIDs(t, c.Send(context.Background(), messages(2)))
			srv.FailNextReceipts(tt.n, tt.fault)
			rs, err := c.GetReceipts(context.Background(), ids)
			if got := srv.ReceiptRequests(); got != tt.wantRequests {
				t.Errorf("%d requests, want %d", got, tt.wantRequests)
			}
			if tt.wantRequests > 1 {
				if err != nil || len(rs) != 2 {
					t.Errorf("got %v, %v", rs, err)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) || re.Retryable() || len(rs) != 0 {
				t.Fatalf("got %v, %v", rs, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}

	t.Run("one chunk of two fails: partial result", func(t *testing.T) {
		srv := newServer(t)
		c, _ := newTestClient(srv, Config{MaxConcurrentRequests: 1})
		ids := ticketIDs(t, c.Send(context.Background(), messages(1500)))
		srv.FailNextReceipts(1, expotest.Fault{Kind: expotest.FaultWrongTicketCount})
		rs, err := c.GetReceipts(context.Background(), ids)
		if !errors.Is(err, ErrMalformedResponse) || len(rs) != 500 {
			t.Errorf("got %d receipts, %v", len(rs), err)
		}
	})
}
