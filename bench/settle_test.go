package main

import (
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// A process that keeps a CPU busy never settles; once it stops, it does,
// and never before the time it was asked to wait for.
func TestSettleWaitsForQuietServers(t *testing.T) {
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for x := 0; !stop.Load(); x++ {
			_ = x * x
		}
	}()
	if settle(time.Now(), 2*settleWindow, os.Getpid()) {
		t.Error("settle reported a busy process quiet")
	}
	stop.Store(true)
	<-done

	from := time.Now().Add(100 * time.Millisecond)
	if !settle(from, 20*settleWindow, os.Getpid()) {
		t.Error("settle never found the idle process quiet")
	}
	if time.Now().Before(from.Add(settleWindow)) {
		t.Error("settle returned before the time it was to wait for and one window")
	}
}
