package notify_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"circly/circlytest"
	"circly/collections"
	"circly/expo/expotest"
	"circly/metrics/metricstest"
)

// scrape reads the metrics route as the test app's superuser and parses
// the answer strictly.
func (h *harness) scrape() (*metricstest.Exposition, string) {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/circly/metrics", nil)
	req.Header.Set("Authorization", circlytest.SuperuserHeader(h.t, h.app)["Authorization"])
	rec := httptest.NewRecorder()
	circlytest.Handler(h.t, h.app).ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		h.t.Fatalf("scrape: %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	e, err := metricstest.Parse(rec.Body.String())
	if err != nil {
		h.t.Fatalf("scrape: %v\n%s", err, rec.Body.String())
	}
	return e, rec.Body.String()
}

// want checks series values of a scrape.
func wantSeries(t testing.TB, e *metricstest.Exposition, want map[string]float64) {
	t.Helper()
	for series, v := range want {
		if got, ok := e.Value(series); !ok || got != v {
			t.Errorf("%s = %v (present: %v), want %v", series, got, ok, v)
		}
	}
}

// stateCount counts the deliveries of (poll, kind) in state.
func stateCount(t testing.TB, h *harness, pollId, kind, state string) int {
	n := 0
	for _, d := range deliveries(t, h.app, pollId, kind) {
		if d.State == state {
			n++
		}
	}
	return n
}

// API.md §12: after votes and dispatcher runs, the counters of the metrics
// route moved by what happened — votes written (a refused second vote not
// counted), deliveries sent and failed with Expo's errors by class, a
// cleared token, a transient failure waiting in the outbox — and the
// gauges read the database; no label or value names a poll, circle, user
// or token.
func TestMetricsCountStory(t *testing.T) {
	h := newHarness(t, nil)
	e, _ := h.scrape()
	wantSeries(t, e, map[string]float64{"circly_votes_total": 0, "circly_push_sent_total": 0, "circly_dispatch_run_duration_seconds_count": 0})

	f := h.newCircle(4)
	h.expo.MarkDeviceNotRegistered(f.push[1])
	h.expo.SetTicketError(f.push[2], "MessageTooBig")
	poll := h.createPoll(f, 0, 3*time.Hour)
	for i := 1; i <= 3; i++ {
		h.vote(f, poll, i)
	}
	// a second vote is refused and not counted
	opts, err := h.app.FindAllRecords(collections.Options)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		if status, _ := h.call("POST", "/api/collections/votes/records", f.auth[1], map[string]any{"poll": poll.Id, "option": o.Id}); status == http.StatusOK {
			t.Fatal("a second vote was taken")
		}
	}

	now := time.Now()
	rep := h.run(now)
	sent := stateCount(t, h, poll.Id, collections.KindPollStarted, collections.DeliverySent)
	failed := stateCount(t, h, poll.Id, collections.KindPollStarted, collections.DeliveryFailed)
	if sent < 1 || failed != 2 || rep.Sent != sent || rep.Failed != failed {
		t.Fatalf("the story went otherwise: %d sent, %d failed, report %+v", sent, failed, rep)
	}

	e, text := h.scrape()
	commits, _ := e.Value("circly_ballot_commits_total")
	// the ballot box checks every ballot: the vote for oneself and the two
	// second votes are refused in its transactions too
	if commits < 1 || commits > 6 {
		t.Errorf("circly_ballot_commits_total = %v, want 1 to 6 for 6 ballots (3 votes, 3 refused)", commits)
	}
	wantSeries(t, e, map[string]float64{
		"circly_votes_total":                                      3,
		"circly_ballot_queue_depth":                               0,
		"circly_push_sent_total":                                  float64(sent),
		"circly_push_failed_total":                                2,
		"circly_push_retried_total":                               0,
		"circly_push_tokens_cleared_total":                        1,
		`circly_expo_errors_total{class="device_not_registered"}`: 1,
		`circly_expo_errors_total{class="permanent"}`:             1,
		`circly_expo_errors_total{class="request_transient"}`:     0,
		"circly_dispatch_run_duration_seconds_count":              1,
		"circly_dispatch_runs_failed_total":                       0,
		"circly_polls_open":                                       1,
		"circly_outbox_pending":                                   0,
		`circly_outbox_rows{status="sent"}`:                       1,
		"circly_users":                                            4,
		"circly_users_with_push_token":                            3, // one cleared
		"circly_circles":                                          1,
	})
	if end, _ := e.Value("circly_dispatch_last_run_end_timestamp_seconds"); end < float64(now.Unix()-1) {
		t.Errorf("last run end %v, before the run", end)
	}

	// Expo fails every send for now: the deliveries wait in the outbox
	h.expo.FailNext(100, expotest.Fault{Kind: expotest.FaultInternalError})
	poll2 := h.createPoll(f, 3, 3*time.Hour)
	rep = h.run(now.Add(time.Second))
	waiting := stateCount(t, h, poll2.Id, collections.KindPollStarted, collections.DeliveryPending)
	if waiting < 1 || rep.Retrying != waiting {
		t.Fatalf("the story went otherwise: %d waiting, report %+v", waiting, rep)
	}
	e, text2 := h.scrape()
	wantSeries(t, e, map[string]float64{
		"circly_votes_total":                                  3,
		"circly_push_sent_total":                              float64(sent),
		"circly_push_retried_total":                           float64(waiting),
		`circly_expo_errors_total{class="request_transient"}`: float64(waiting),
		"circly_dispatch_run_duration_seconds_count":          2,
		"circly_polls_open":                                   2,
		"circly_outbox_pending":                               float64(waiting),
		`circly_outbox_rows{status="pending"}`:                1,
	})

	// nothing that names a poll, circle, user or token
	secrets := []string{poll.Id, poll2.Id, f.circle.Id, f.circle.GetString("name")}
	for i, u := range f.users {
		secrets = append(secrets, u.Id, f.push[i])
	}
	for _, s := range secrets {
		if s != "" && (strings.Contains(text, s) || strings.Contains(text2, s)) {
			t.Errorf("the metrics name %q", s)
		}
	}
	for _, l := range e.Labels {
		name, _, _ := strings.Cut(l, "=")
		if !slices.Contains([]string{"class", "status", "file"}, name) {
			t.Errorf("unexpected label %s", l)
		}
	}
}
