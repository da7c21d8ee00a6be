package gcpace

import (
	"runtime/metrics"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	cases := []struct {
		name string
		live uint64
		rate float64
		want int
	}{
		{"idle keeps Go's default", 5 * mb, 1 * mb, 100},
		{"a rate one GOGC=100 cycle per Spacing absorbs keeps the default", 5 * mb, 20 * mb, 100},
		{"a stream of votes spaces collections Spacing apart", 5 * mb, 140 * mb, 700},
		{"the garbage allowed is capped at MaxExtra", 5 * mb, 4000 * mb, 1280},
		{"a tiny live heap counts as Go's 4 MB minimum", 1 * mb, 64 * mb, 400},
		{"a large live heap needs no more than the default", 200 * mb, 140 * mb, 100},
		{"no allocation at all", 0, 0, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Percent(c.live, c.rate); got != c.want {
				t.Fatalf("Percent(%d, %.0f) = %d, want %d", c.live, c.rate, got, c.want)
			}
		})
	}
}

func TestStartLeavesAnOperatorsSettingAlone(t *testing.T) {
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		env := func(k string) string {
			if k == name {
				return "200"
			}
			return ""
		}
		if p := start(env, time.Millisecond); p != nil {
			p.stop()
			t.Fatalf("with %s set the pacer started", name)
		}
	}
}

// sink keeps the allocations of allocate from being optimised away.
var sink []byte

// allocate makes garbage at full speed until done is closed, then closes
// exited.
func allocate(done <-chan struct{}, exited chan<- struct{}) {
	defer close(exited)
	for {
		select {
		case <-done:
			return
		default:
			for range 64 {
				sink = make([]byte, 32<<10)
			}
		}
	}
}

func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// waitFor polls cond every millisecond for up to 10 s (a bound for a slow
// machine, not a measurement).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 10 s (GOGC %d)", what, gogc())
}

func TestPacerRaisesGOGCUnderAllocationAndRestoresIt(t *testing.T) {
	if gogc() != 100 {
		t.Fatalf("GOGC at the start is %d, want 100 (run without GOGC set)", gogc())
	}
	p := start(func(string) string { return "" }, 10*time.Millisecond)
	if p == nil {
		t.Fatal("the pacer did not start")
	}
	defer p.stop()

	done, exited := make(chan struct{}), make(chan struct{})
	go allocate(done, exited)
	waitFor(t, "GOGC raised while allocating", func() bool { return gogc() > 100 })
	if got := MaxExtra * 100 / minLive; gogc() > uint64(got) {
		t.Fatalf("GOGC %d is above what MaxExtra allows for the minimum live heap (%d)", gogc(), got)
	}
	close(done)
	<-exited
	waitFor(t, "GOGC back to 100 once allocation stopped", func() bool { return gogc() == 100 })

	done, exited = make(chan struct{}), make(chan struct{})
	go allocate(done, exited)
	waitFor(t, "GOGC raised again", func() bool { return gogc() > 100 })
	p.stop()
	close(done)
	<-exited
	if gogc() != 100 {
		t.Fatalf("after stop GOGC is %d, want 100", gogc())
	}
}
