package expo

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"circly/expo/expotest"
)

func TestSendConcurrencyLimit(t *testing.T) {
	tests := []struct {
		name   string
		limit  int
		sends  int // concurrent Send calls on one client
		msgs   int // per Send
		wantLo int
	}{
		{"one at a time", 1, 1, 500, 1},
		{"three", 3, 1, 1000, 2},
		{"shared by concurrent Sends", 2, 3, 300, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t)
			srv.SetLatency(20 * time.Millisecond)
			c, _ := newTestClient(srv, Config{MaxConcurrentRequests: tt.limit})
			var wg sync.WaitGroup
			for range tt.sends {
				wg.Go(func() { ticketIDs(t, c.Send(context.Background(), messages(tt.msgs))) })
			}
			wg.Wait()
			if got := srv.MaxInFlight(); got > tt.limit || got < tt.wantLo {
				t.Errorf("max in flight %d, want between %d and %d", got, tt.wantLo, tt.limit)
			}
			if got, want := srv.SendRequests(), tt.sends*((tt.msgs+99)/100); got != want {
				t.Errorf("%d requests, want %d", got, want)
			}
		})
	}
}

func TestSendPacingIsSharedAndCoversRetries(t *testing.T) {
	srv := newServer(t)
	c, s := newTestClient(srv, Config{NotificationsPerSecond: 600})
	frozen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return frozen } // no refill: waits add up exactly

	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { ticketIDs(t, c.Send(context.Background(), messages(500))) })
	}
	wg.Wait()
	got := s.all()
	slices.Sort(got)
	var want []time.Duration
	for k := range 10 { // 10 chunks of 100 at 600/s, one chunk of burst
		want = append(want, time.Duration(float64(k)*100/600*float64(time.Second)))
	}
	if len(got) != len(want) {
		t.Fatalf("waits %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i] - want[i]; d < -time.Microsecond || d > time.Microsecond {
			t.Errorf("wait %d = %v, want %v", i, got[i], want[i])
		}
	}

	// A retry is paced again.
	srv.FailNext(1, expotest.Fault{Kind: expotest.FaultInternalError})
	s.waits = nil
	ticketIDs(t, c.Send(context.Background(), messages(100)))
	if got := s.all(); len(got) != 3 || got[1] != time.Second || got[2] <= got[0] {
		t.Errorf("waits with one retry = %v, want pace, 1s backoff, longer pace", got)
	}
}

func TestSendPacingRealTime(t *testing.T) {
	srv := newServer(t)
	c := New(Config{BaseURL: srv.URL, NotificationsPerSecond: 1000})
	start := time.Now()
	ticketIDs(t, c.Send(context.Background(), messages(300)))
	// One chunk goes at once, then 100 per 100 ms: about 200 ms.
	if el := time.Since(start); el < 180*time.Millisecond || el > 3*time.Second {
		t.Errorf("300 messages at 1000/s took %v, want about 200ms", el)
	}
}
