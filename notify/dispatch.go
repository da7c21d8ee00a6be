package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
	"circly/expo"
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
	return rep, errors.Join(errs...)
}

// claimed is one delivery of a batch: where it is stored and what to send.
type claimed struct {
	row   *collections.Notification // as of the claim, for kind, title and body
	poll  *collections.Poll
	index int
	token string
}

// sendPending sends pending deliveries, a claimed batch at a time, until
// none is left that may go now.
func (n *Notifier) sendPending(ctx context.Context, app core.App, now time.Time, rep *Report) error {
	exhausted := map[string]bool{} // rows with nothing more to claim in this run
	for ctx.Err() == nil {
		batch, err := n.claim(app, now, exhausted, rep)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		rep.Claimed += len(batch)
		if n.afterClaim != nil {
			n.afterClaim()
		}

		msgs := make([]expo.Message, len(batch))
		for i, c := range batch {
			msgs[i] = message(c.row, c.poll, c.token, now)
		}
		sendCtx, cancel := graceful(ctx, n.settings.StopGrace)
		results := n.client.Send(sendCtx, msgs)
		cancel()

		if n.afterSend != nil {
			n.afterSend()
		}
		if err := n.record(app, now, batch, results, rep); err != nil {
			// the batch stays "sending": the next run resends it
			return fmt.Errorf("recording a batch of %d: %w", len(batch), err)
		}
	}
	return nil
}

// graceful returns a context that ends grace after parent does.
func graceful(parent context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	stop := context.AfterFunc(parent, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-ctx.Done():
		}
	})
	return ctx, func() {
		stop()
		cancel()
	}
}

// claim commits state "sending" (and the next attempt number) for up to
// BatchSize deliveries and returns them. In the same pass it drops the
// unsent deliveries of announcements and reminders whose poll has closed,
// and gives up on deliveries out of attempts. Deliveries found "sending"
// were left by a run that died before recording them: they are claimed
// again.
func (n *Notifier) claim(app core.App, now time.Time, exhausted map[string]bool, rep *Report) ([]claimed, error) {
	var batch []claimed
	var skipped, failed int
	err := app.RunInTransaction(func(txApp core.App) error {
		batch, skipped, failed = nil, 0, 0
		ids, err := collections.PendingNotificationIds(txApp)
		if err != nil {
			return err
		}
		polls := map[string]*collections.Poll{}
		for _, id := range ids {
			if len(batch) >= n.settings.BatchSize {
				break
			}
			if exhausted[id] {
				continue
			}
			row, err := collections.FindNotification(txApp, id)
			if err != nil {
				return err
			}
			pollId := row.Poll()
			poll, known := polls[pollId]
			if !known {
				poll, err = collections.FindPoll(txApp, pollId)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				polls[pollId] = poll // nil: the poll is gone
			}
			ds, err := row.Deliveries()
			if err != nil {
				return fmt.Errorf("outbox row %s: %w", id, err)
			}

			expired := poll == nil || (row.Kind() != collections.KindResults &&
				(poll.IsClosed() || !now.Before(poll.Deadline().Time())))
			changed, claimedAny, full := false, false, false
			for i := range ds {
				d := &ds[i]
				if d.State != collections.DeliveryPending && d.State != collections.DeliverySending {
					continue
				}
				switch {
				case expired:
					d.State, d.Error = collections.DeliverySkipped, errClosedUnsent
					changed = true
					skipped++
					continue
				case d.State == collections.DeliveryPending && d.RetryAt.Time().After(now):
					continue
				case d.Attempts >= n.settings.MaxAttempts:
					last := d.Error
					if d.State == collections.DeliverySending || last == "" {
						last = "the outcome of the last attempt is unknown"
					}
					d.State, d.Error = collections.DeliveryFailed, fmt.Sprintf(errGaveUpTemplate, d.Attempts, last)
					changed = true
					failed++
					continue
				}
				if len(batch) >= n.settings.BatchSize {
					full = true
					break
				}
				d.State = collections.DeliverySending
				d.Attempts++
				d.TicketID, d.Receipt = "", ""
				d.RetryAt = types.DateTime{}
				changed, claimedAny = true, true
				batch = append(batch, claimed{row: row, poll: poll, index: i, token: d.Token})
			}
			if !full {
				exhausted[id] = true
			}
			if !changed {
				continue
			}
			if claimedAny {
				row.SetAttempts(row.Attempts() + 1)
			}
			setDeliveries(row, ds)
			if err := txApp.Save(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Skipped += skipped
	rep.Failed += failed
	return batch, nil
}

// outcome of one send or receipt for a delivery.
type outcome int

const (
	outcomeNone outcome = iota
	outcomeSent
	outcomeRetry
	outcomeFailed
	outcomeDeviceNotRegistered
)

// record commits the outcomes of a sent batch in one transaction: tickets,
// errors, retries, and cleared tokens.
func (n *Notifier) record(app core.App, now time.Time, batch []claimed, results []expo.SendResult, rep *Report) error {
	byRow := map[string][]int{}
	var order []string
	for k, c := range batch {
		if _, ok := byRow[c.row.Id]; !ok {
			order = append(order, c.row.Id)
		}
		byRow[c.row.Id] = append(byRow[c.row.Id], k)
	}

	var local Report
	err := app.RunInTransaction(func(txApp core.App) error {
		local = Report{}
		for _, id := range order {
			row, err := collections.FindNotification(txApp, id)
			if errors.Is(err, sql.ErrNoRows) {
				continue // its poll was deleted meanwhile
			}
			if err != nil {
				return err
			}
			ds, err := row.Deliveries()
			if err != nil {
				return err
			}
			lastErr := ""
			for _, k := range byRow[id] {
				c := batch[k]
				if c.index >= len(ds) || ds[c.index].State != collections.DeliverySending || ds[c.index].Token != c.token {
					continue
				}
				d := &ds[c.index]
				o := n.applySend(d, results[k], now)
				if err := local.count(txApp, o, d); err != nil {
					return err
				}
				if d.Error != "" {
					lastErr = d.Error
				}
			}
			if lastErr != "" {
				row.SetLastError(truncate(lastErr, 2000))
			}
			setDeliveries(row, ds)
			if err := txApp.Save(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rep.Sent += local.Sent
	rep.Retrying += local.Retrying
	rep.Failed += local.Failed
	rep.TokensCleared += local.TokensCleared
	return nil
}

// count tallies an outcome and clears the token of a dead device.
func (r *Report) count(txApp core.App, o outcome, d *collections.Delivery) error {
	switch o {
	case outcomeSent:
		r.Sent++
	case outcomeRetry:
		r.Retrying++
	case outcomeFailed:
		r.Failed++
	case outcomeDeviceNotRegistered:
		r.Failed++
		cleared, err := clearPushToken(txApp, d.User, d.Token)
		if err != nil {
			return err
		}
		if cleared {
			r.TokensCleared++
		}
	}
	return nil
}

// applySend records Expo's answer for one delivery.
func (n *Notifier) applySend(d *collections.Delivery, res expo.SendResult, now time.Time) outcome {
	if res.Err != nil {
		switch {
		case errors.Is(res.Err, context.Canceled), errors.Is(res.Err, context.DeadlineExceeded):
			// interrupted by shutdown; it may have left: resend on the
			// next run, same collapse key
			d.State, d.Error = collections.DeliveryPending, "interrupted: "+res.Err.Error()
			return outcomeRetry
		case retryableRequest(res.Err):
			var after time.Duration
			var re *expo.RequestError
			if errors.As(res.Err, &re) {
				after = re.RetryAfter
			}
			return n.retryLater(d, now, res.Err.Error(), after)
		}
		d.State, d.Error = collections.DeliveryFailed, res.Err.Error()
		return outcomeFailed
	}
	t := res.Ticket
	switch t.Class() {
	case expo.ClassOK:
		d.State, d.TicketID, d.SentAt, d.Error = collections.DeliverySent, t.ID, dt(now), ""
		return outcomeSent
	case expo.ClassDeviceNotRegistered:
		d.State, d.Error = collections.DeliveryFailed, t.Err().Error()
		return outcomeDeviceNotRegistered
	case expo.ClassRetryLater:
		return n.retryLater(d, now, t.Err().Error(), 0)
	}
	d.State, d.Error = collections.DeliveryFailed, t.Err().Error()
	return outcomeFailed
}

// retryableRequest reports whether a failed request is worth sending again
// later: what the client retries itself (network, 429, 5xx, transient), a
// 200 whose answer was unusable (Expo probably took it: the ambiguous case,
// resolved towards delivery), and a rejected access token (a configuration
// fix away). Other 4xx answers will not change.
func retryableRequest(err error) bool {
	var re *expo.RequestError
	if !errors.As(err, &re) {
		return false
	}
	return re.Retryable() ||
		errors.Is(re, expo.ErrUnauthorized) ||
		errors.Is(re, expo.ErrMalformedResponse) ||
		errors.Is(re, expo.ErrTicketCountMismatch)
}

// retryLater sends d back to pending with a growing wait (at least after),
// or fails it when it is out of attempts.
func (n *Notifier) retryLater(d *collections.Delivery, now time.Time, reason string, after time.Duration) outcome {
	if d.Attempts >= n.settings.MaxAttempts {
		d.State, d.Error = collections.DeliveryFailed, fmt.Sprintf(errGaveUpTemplate, d.Attempts, reason)
		return outcomeFailed
	}
	wait := n.settings.RetryBackoff
	for i := 1; i < d.Attempts && wait < n.settings.MaxRetryBackoff; i++ {
		wait *= 2
	}
	wait = max(min(wait, n.settings.MaxRetryBackoff), after)
	d.State, d.Error, d.RetryAt = collections.DeliveryPending, reason, dt(now.Add(wait))
	return outcomeRetry
}

// clearPushToken empties a user's push_token if it still is token (the app
// may have registered a new one since).
func clearPushToken(txApp core.App, userId, token string) (bool, error) {
	if userId == "" || token == "" {
		return false, nil
	}
	u, err := collections.FindUser(txApp, userId)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil || u.PushToken() != token {
		return false, err
	}
	u.SetPushToken("")
	return true, txApp.Save(u)
}

// checkReceipts asks Expo for the receipts of tickets older than
// ReceiptDelay and records them; receipts still missing after
// ReceiptTimeout are recorded as unknown.
func (n *Notifier) checkReceipts(ctx context.Context, app core.App, now time.Time, rep *Report) error {
	rows, err := collections.SentOrPendingNotifications(app)
	if err != nil {
		return err
	}
	askBefore := now.Add(-n.settings.ReceiptDelay)
	due := func(d *collections.Delivery) bool { return d.AwaitingReceipt() && !d.SentAt.Time().After(askBefore) }

	var ids, rowIds []string
	for _, row := range rows {
		ds, err := row.Deliveries()
		if err != nil {
			return fmt.Errorf("outbox row %s: %w", row.Id, err)
		}
		any := false
		for i := range ds {
			if due(&ds[i]) {
				ids = append(ids, ds[i].TicketID)
				any = true
			}
		}
		if any {
			rowIds = append(rowIds, row.Id)
		}
	}
	if len(ids) == 0 {
		return nil
	}

	// a partial answer is still worth recording
	receipts, fetchErr := n.client.GetReceipts(ctx, ids)

	var local Report
	err = app.RunInTransaction(func(txApp core.App) error {
		local = Report{}
		for _, id := range rowIds {
			row, err := collections.FindNotification(txApp, id)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			ds, err := row.Deliveries()
			if err != nil {
				return err
			}
			changed, lastErr := false, ""
			for i := range ds {
				d := &ds[i]
				if !due(d) {
					continue
				}
				r, ok := receipts[d.TicketID]
				var o outcome
				switch {
				case ok && r.OK():
					d.Receipt = collections.ReceiptOK
				case ok:
					d.Receipt = r.Details.Error
					if d.Receipt == "" {
						d.Receipt = expo.StatusError
					}
					switch r.Class() {
					case expo.ClassDeviceNotRegistered:
						d.State, d.Error = collections.DeliveryFailed, r.Err().Error()
						o = outcomeDeviceNotRegistered
					case expo.ClassRetryLater:
						o = n.retryLater(d, now, r.Err().Error(), 0)
					default:
						d.State, d.Error = collections.DeliveryFailed, r.Err().Error()
						o = outcomeFailed
					}
					lastErr = d.Error
				case now.Sub(d.SentAt.Time()) >= n.settings.ReceiptTimeout:
					d.Receipt = collections.ReceiptUnknown
				default:
					continue
				}
				changed = true
				local.Receipts++
				if err := local.count(txApp, o, d); err != nil {
					return err
				}
			}
			if !changed {
				continue
			}
			if lastErr != "" {
				row.SetLastError(truncate(lastErr, 2000))
			}
			setDeliveries(row, ds)
			if err := txApp.Save(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return errors.Join(fetchErr, err)
	}
	rep.Receipts += local.Receipts
	rep.Retrying += local.Retrying
	rep.Failed += local.Failed
	rep.TokensCleared += local.TokensCleared
	return fetchErr
}

// pruneOutbox deletes finished rows older than Retention whose poll's
// deadline is older than that too, or whose poll is gone. Only rows of
// closed polls go, because enqueueMissing recreates the missing rows of open
// polls: a pruned row is never built, nor sent, again.
func (n *Notifier) pruneOutbox(app core.App, now time.Time) (int, error) {
	return collections.PruneNotifications(app, dt(now.Add(-n.settings.Retention)))
}
