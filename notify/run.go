package notify

import (
	"context"
	"errors"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// Report sums up one dispatcher run.
type Report struct {
	Enqueued      int // rows created for open polls that lacked them
	ClosedPolls   int // polls closed at their deadline
	Resolved      int // scheduled rows whose recipients were chosen, or skipped
	Claimed       int // deliveries handed to Expo (resends included)
	Sent          int // deliveries Expo accepted
	Retrying      int // deliveries sent back to wait for a retry
	Failed        int // deliveries that failed for good
	Skipped       int // deliveries dropped because their poll closed first
	Receipts      int // receipts settled (ok, error, or given up)
	TokensCleared int // push tokens cleared after DeviceNotRegistered
	Pruned        int // finished rows deleted
}

func (r Report) busy() bool { return r != Report{} }

// addOutcomes adds the outcomes tallied in one recording transaction
// (sends or receipts) to r.
func (r *Report) addOutcomes(o Report) {
	r.Sent += o.Sent
	r.Retrying += o.Retrying
	r.Failed += o.Failed
	r.Receipts += o.Receipts
	r.TokensCleared += o.TokensCleared
}

// RunOnce is one dispatcher run at time now (see the package
// documentation). Runs never overlap: a second call waits for the first.
// A failing step does not stop the others; their errors are joined.
//
// When ctx ends, no new batch is claimed; the batch in flight gets
// Settings.StopGrace to finish, and whatever did not finish is recorded as
// pending again, to be resent with the same collapse key.
func (n *Notifier) RunOnce(ctx context.Context, now time.Time) (Report, error) {
	n.runMu.Lock()
	defer n.runMu.Unlock()
	began := time.Now()

	var rep Report
	var errs []error
	app := n.app

	k, err := n.enqueueMissing(app)
	rep.Enqueued = k
	errs = append(errs, err)

	closed, err := n.polls.CloseDuePolls(app, now)
	rep.ClosedPolls = len(closed)
	errs = append(errs, err)

	k, err = n.resolveDueRows(app, now)
	rep.Resolved = k
	errs = append(errs, err)

	errs = append(errs, n.sendPending(ctx, app, now, &rep))

	if ctx.Err() == nil {
		errs = append(errs, n.checkReceipts(ctx, app, now, &rep))
	}

	k, err = n.pruneOutbox(app, now)
	rep.Pruned = k
	errs = append(errs, err)

	if rep.busy() {
		app.Logger().Debug("Push dispatch",
			"enqueued", rep.Enqueued, "closedPolls", rep.ClosedPolls, "resolved", rep.Resolved,
			"claimed", rep.Claimed, "sent", rep.Sent, "retrying", rep.Retrying, "failed", rep.Failed,
			"skipped", rep.Skipped, "receipts", rep.Receipts, "tokensCleared", rep.TokensCleared,
			"pruned", rep.Pruned)
	}
	err = errors.Join(errs...)
	n.observe(rep, time.Since(began), err)
	return rep, err
}

// pruneOutbox deletes finished rows older than Retention whose poll's
// deadline is older than that too, or whose poll is gone. Only rows of
// closed polls go, because enqueueMissing recreates the missing rows of open
// polls: a pruned row is never built, nor sent, again.
func (n *Notifier) pruneOutbox(app core.App, now time.Time) (int, error) {
	return collections.PruneNotifications(app, dt(now.Add(-n.settings.Retention)))
}
