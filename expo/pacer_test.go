package expo

import (
	"testing"
	"time"
)

func TestPacer(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := func(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }
	type step struct {
		at   time.Duration // since t0
		n    int
		want time.Duration
	}
	tests := []struct {
		name  string
		rate  int
		steps []step
	}{
		{"600/s: one chunk free, then 1/6 s per chunk", 600, []step{
			{0, 100, 0}, {0, 100, ms(1000.0 / 6)}, {0, 100, ms(2000.0 / 6)}, {0, 50, ms(2500.0 / 6)},
		}},
		{"refills over time, capped at one chunk", 600, []step{
			{0, 100, 0}, {10 * time.Second, 100, 0}, {10 * time.Second, 100, ms(1000.0 / 6)},
		}},
		{"partial refill", 1000, []step{
			{0, 100, 0}, {50 * time.Millisecond, 100, 50 * time.Millisecond},
		}},
		{"rate below a chunk: bucket of rate, debt allowed", 50, []step{
			{0, 100, time.Second}, {0, 100, 3 * time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacer(tt.rate)
			for i, s := range tt.steps {
				got := p.reserve(t0.Add(s.at), s.n)
				if d := got - s.want; d < -time.Microsecond || d > time.Microsecond {
					t.Errorf("step %d: wait %v, want %v", i, got, s.want)
				}
			}
		})
	}
}
