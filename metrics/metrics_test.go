package metrics_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"circly/metrics"
	"circly/metrics/metricstest"
)

// The rendering is the format 0.0.4 as a strict reader takes it: HELP and
// TYPE per family, escapes in help and label values, summaries with _sum
// and _count, and each counter's value as counted.
func TestWriteIsStrictExposition(t *testing.T) {
	s := metrics.New()
	s.Votes.Add(3)
	s.Votes.Inc()
	s.Votes.Add(-7) // ignored: counters never go down
	s.PushSent.Add(2)
	s.ExpoErrors.Inc(metrics.ExpoDeviceNotRegistered)
	s.ExpoErrors.Inc("something new") // counted as "other"
	s.BallotQueue.Set(func() float64 { return 5 })
	s.Dispatch.Observe(1500*time.Millisecond, time.Unix(1700000000, 0), false)
	s.Dispatch.Observe(500*time.Millisecond, time.Unix(1700000100, 0), true)

	extra := metrics.Family{Name: "circly_test_labels", Type: metrics.TypeGauge, Help: "back\\slash\nnewline",
		Samples: []metrics.Sample{{Labels: []metrics.Label{{Name: "a", Value: "q\"uo\\te\nx"}, {Name: "b", Value: ""}}, Value: 1.25}}}
	var buf bytes.Buffer
	if err := metrics.Write(&buf, append(s.Families(), extra)); err != nil {
		t.Fatal(err)
	}
	e, err := metricstest.Parse(buf.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	want := map[string]float64{
		"circly_votes_total":                                      4,
		"circly_push_sent_total":                                  2,
		"circly_ballot_queue_depth":                               5,
		`circly_expo_errors_total{class="device_not_registered"}`: 1,
		`circly_expo_errors_total{class="other"}`:                 1,
		`circly_expo_errors_total{class="permanent"}`:             0,
		"circly_dispatch_run_duration_seconds_sum":                2,
		"circly_dispatch_run_duration_seconds_count":              2,
		"circly_dispatch_runs_failed_total":                       1,
		"circly_dispatch_last_run_duration_seconds":               0.5,
		"circly_dispatch_last_run_end_timestamp_seconds":          1700000100,
		`circly_test_labels{a="q\"uo\\te\nx",b=""}`:               1.25,
	}
	for series, v := range want {
		if got, ok := e.Value(series); !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, v)
		}
	}
	if e.Types["circly_dispatch_run_duration_seconds"] != "summary" || e.Help["circly_test_labels"] != "back\\slash\nnewline" {
		t.Errorf("types/help read back wrong: %v %q", e.Types["circly_dispatch_run_duration_seconds"], e.Help["circly_test_labels"])
	}
}

// Names the format does not allow are refused rather than written.
func TestWriteRefusesBadNames(t *testing.T) {
	for _, f := range []metrics.Family{
		{Name: "circly-votes", Type: metrics.TypeGauge, Help: "x"},
		{Name: "ok", Type: metrics.TypeGauge, Help: "x", Samples: []metrics.Sample{{Labels: []metrics.Label{{Name: "bad-label", Value: "v"}}}}},
		{Name: "ok", Type: metrics.TypeGauge, Help: "x", Samples: []metrics.Sample{{Labels: []metrics.Label{{Name: "__reserved", Value: "v"}}}}},
	} {
		if err := metrics.Write(&bytes.Buffer{}, []metrics.Family{f}); err == nil {
			t.Errorf("%+v was written", f)
		}
	}
	twice := metrics.Single("a", "x", metrics.TypeGauge, 1)
	if err := metrics.Write(&bytes.Buffer{}, []metrics.Family{twice, twice}); err == nil {
		t.Error("a family written twice")
	}
}

// The strict reader refuses what a loose one would let through, so the
// route's tests would notice a malformed line.
func TestParseIsStrict(t *testing.T) {
	good := "# HELP a_total x\n# TYPE a_total counter\na_total 1\n"
	if _, err := metricstest.Parse(good); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"no final newline":      strings.TrimSuffix(good, "\n"),
		"no HELP":               "# TYPE a_total counter\na_total 1\n",
		"TYPE before HELP":      "# TYPE a_total counter\n# HELP a_total x\na_total 1\n",
		"sample of another":     "# HELP a_total x\n# TYPE a_total counter\nb_total 1\n",
		"blank line":            good + "\n",
		"other comment":         good + "# hello\n",
		"timestamp":             "# HELP a_total x\n# TYPE a_total counter\na_total 1 1700000000\n",
		"repeated series":       good + "a_total 2\n",
		"bad value":             "# HELP a_total x\n# TYPE a_total counter\na_total one\n",
		"negative counter":      "# HELP a_total x\n# TYPE a_total counter\na_total -1\n",
		"counter without total": "# HELP a x\n# TYPE a counter\na 1\n",
		"unquoted label":        "# HELP g x\n# TYPE g gauge\ng{a=b} 1\n",
		"trailing comma":        "# HELP g x\n# TYPE g gauge\ng{a=\"b\",} 1\n",
		"bad escape":            "# HELP g x\n# TYPE g gauge\ng{a=\"\\t\"} 1\n",
		"empty braces":          "# HELP g x\n# TYPE g gauge\ng{} 1\n",
		"unknown type":          "# HELP g x\n# TYPE g meter\ng 1\n",
	} {
		if _, err := metricstest.Parse(text); err == nil {
			t.Errorf("%s: accepted %q", name, text)
		}
	}
}

// Counters are safe to increment from many goroutines at once.
func TestCountersConcurrent(t *testing.T) {
	s := metrics.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				s.Votes.Inc()
				s.ExpoErrors.Inc(metrics.ExpoRetryLater)
			}
		})
	}
	wg.Wait()
	if s.Votes.Value() != 8000 || s.ExpoErrors.Value(metrics.ExpoRetryLater) != 8000 {
		t.Fatalf("votes %d, retry_later %d", s.Votes.Value(), s.ExpoErrors.Value(metrics.ExpoRetryLater))
	}
}
