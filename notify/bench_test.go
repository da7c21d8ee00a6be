package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"circly/circlytest"
	"circly/collections"
	"circly/expo"
	"circly/expo/expotest"
	"circly/notify"
)

// benchOutbox returns a notifier (pacing at rate notifications per second,
// or off when rate is expo.PacingOff) on a fresh app, a fake Expo, and a
// function that fills the outbox with polls × perPoll pending announcements
// as direct rows with distinct tokens.
func benchOutbox(b *testing.B, rate int) (*notify.Notifier, *expotest.Server, func(polls, perPoll int)) {
	b.Helper()
	srv := expotest.NewServer()
	b.Cleanup(srv.Close)
	cfg := circlytest.TestConfig()
	cfg.ExpoBaseURL = srv.URL
	app, svc := circlytest.NewTestAppWithConfig(b, cfg)
	circle, users, _ := circlytest.CircleWithMembers(b, app, 3)
	tpl := circlytest.FirstTemplate(b, app)

	s := notify.SettingsFrom(cfg)
	s.Interval = 0
	s.Expo.NotificationsPerSecond = rate
	n := notify.New(app, svc.Polls, s) // no hooks: the rows are made here

	fill := func(polls, perPoll int) {
		b.Helper()
		pollsCol, _ := app.FindCachedCollectionByNameOrId(collections.Polls)
		rowsCol, _ := app.FindCachedCollectionByNameOrId(collections.Notifications)
		deadline := time.Now().Add(6 * 24 * time.Hour)
		err := app.RunInTransaction(func(txApp core.App) error {
			for p := range polls {
				poll := core.NewRecord(pollsCol)
				poll.Set("circle", circle.Id)
				poll.Set("creator", users[0].Id)
				poll.Set("template", tpl.Id)
				poll.Set("question_text", tpl.GetString("question_text"))
				poll.Set("deadline", deadline)
				poll.Set("status", collections.PollOpen)
				if err := txApp.Save(poll); err != nil {
					return err
				}
				prefix := security.RandomString(8)
				for _, kind := range notify.Kinds {
					row := core.NewRecord(rowsCol)
					row.Set("poll", poll.Id)
					row.Set("kind", kind)
					title, body := notify.Copy(kind, circle.GetString("name"), poll.GetString("question_text"))
					row.Set("title", title)
					row.Set("body", body)
					if kind != collections.KindPollStarted {
						row.Set("status", collections.NotificationScheduled)
						row.Set("due_at", deadline.Add(-notify.Reminder1hLead))
						if kind == collections.KindReminder10m {
							row.Set("due_at", deadline.Add(-notify.Reminder10mLead))
						}
						if kind == collections.KindResults || kind == collections.KindPicked {
							row.Set("due_at", deadline)
						}
						row.Set("deliveries", []collections.Delivery{})
					} else {
						ds := make([]collections.Delivery, perPoll)
						for i := range ds {
							ds[i] = collections.Delivery{
								User:  fmt.Sprintf("bench%s%d", prefix, i),
								Token: fmt.Sprintf("ExponentPushToken[%s-%d-%d]", prefix, p, i),
								State: collections.DeliveryPending,
							}
						}
						row.Set("status", collections.NotificationPending)
						row.Set("due_at", time.Now())
						row.Set("deliveries", ds)
					}
					if err := txApp.Save(row); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return n, srv, fill
}

// dispatchAll runs the dispatcher until every filled delivery was sent.
func dispatchAll(b *testing.B, n *notify.Notifier, want int) {
	b.Helper()
	rep, err := n.RunOnce(context.Background(), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if rep.Sent != want {
		b.Fatalf("sent %d of %d: %+v", rep.Sent, want, rep)
	}
}

// BenchmarkDispatch measures one delivery (claim, send to an in-process
// fake Expo without pacing, record), in rows of 50 recipients.
func BenchmarkDispatch(b *testing.B) {
	n, srv, fill := benchOutbox(b, expo.PacingOff)
	fill((b.N+49)/50, 50)
	b.ResetTimer()
	rep, err := n.RunOnce(context.Background(), time.Now())
	b.StopTimer()
	if err != nil || rep.Sent < b.N {
		b.Fatalf("sent %d of %d: %v", rep.Sent, b.N, err)
	}
	b.ReportMetric(float64(srv.SendRequests())/float64(b.N)*100, "requests/100notif")
}

const (
	benchPolls   = 200
	benchPerPoll = 50
	benchTotal   = benchPolls * benchPerPoll
)

// BenchmarkDispatch10k dispatches 10,000 recipients (200 polls × 50) to an
// in-process fake Expo with pacing off.
func BenchmarkDispatch10k(b *testing.B) {
	n, srv, fill := benchOutbox(b, expo.PacingOff)
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		fill(benchPolls, benchPerPoll)
		before := srv.SendRequests()
		b.StartTimer()
		start := time.Now()
		dispatchAll(b, n, benchTotal)
		elapsed += time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(srv.SendRequests()-before), "requests/op")
	}
	b.ReportMetric(float64(benchTotal*b.N)/elapsed.Seconds(), "notif/s")
}

// BenchmarkDispatch10kPaced dispatches 10,000 recipients with the client's
// pacing at Expo's 600 notifications/s and reports the achieved rate
// against the ideal 10,000 / 600 = 16.7 s.
func BenchmarkDispatch10kPaced(b *testing.B) {
	const rate = 600
	n, srv, fill := benchOutbox(b, rate)
	var elapsed time.Duration
	for range b.N {
		b.StopTimer()
		fill(benchPolls, benchPerPoll)
		before := srv.SendRequests()
		b.StartTimer()
		start := time.Now()
		dispatchAll(b, n, benchTotal)
		elapsed += time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(srv.SendRequests()-before), "requests/op")
	}
	ideal := float64(benchTotal) / rate
	perRun := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(perRun, "s/run")
	b.ReportMetric(ideal, "ideal-s/run")
	b.ReportMetric(float64(benchTotal)/perRun, "notif/s")
	b.ReportMetric(perRun/ideal, "x-ideal")
}

// BenchmarkIdleRun500OpenPolls measures a dispatcher run with nothing to
// do beside 500 open polls, each with its reminders and results scheduled
// for later: the run every interval pays while polls are open.
func BenchmarkIdleRun500OpenPolls(b *testing.B) {
	n, _, fill := benchOutbox(b, expo.PacingOff)
	fill(500, 1)
	dispatchAll(b, n, 500) // the announcements go; what is left waits
	b.ResetTimer()
	for range b.N {
		rep, err := n.RunOnce(context.Background(), time.Now())
		if err != nil || rep != (notify.Report{}) {
			b.Fatalf("an idle run did something: %+v, %v", rep, err)
		}
	}
}
