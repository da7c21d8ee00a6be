package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/expo"
)

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
	byRow := map[string][]sendResult{}
	var order []string
	for k, c := range batch {
		if _, ok := byRow[c.row.Id]; !ok {
			order = append(order, c.row.Id)
		}
		byRow[c.row.Id] = append(byRow[c.row.Id], sendResult{c, results[k]})
	}

	var local Report
	err := app.RunInTransaction(func(txApp core.App) error {
		local = Report{}
		for _, id := range order {
			err := updateRow(txApp, id, func(ds []collections.Delivery) (bool, string, error) {
				lastErr, err := n.recordSends(txApp, now, ds, byRow[id], &local)
				// the row is saved even when none of its deliveries was
				// still as claimed
				return true, lastErr, err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rep.addOutcomes(local)
	return nil
}

// sendResult is a claimed delivery with Expo's answer to its send.
type sendResult struct {
	claimed
	res expo.SendResult
}

// recordSends applies the sends of one row to its deliveries ds and returns
// the last error among them. A send whose delivery is no longer as claimed
// is left alone.
func (n *Notifier) recordSends(txApp core.App, now time.Time, ds []collections.Delivery, sends []sendResult, local *Report) (lastErr string, err error) {
	for _, c := range sends {
		if c.index >= len(ds) || ds[c.index].State != collections.DeliverySending || ds[c.index].Token != c.token {
			continue
		}
		d := &ds[c.index]
		o := n.applySend(d, c.res, now)
		if err := local.count(txApp, o, d); err != nil {
			return "", err
		}
		if d.Error != "" {
			lastErr = d.Error
		}
	}
	return lastErr, nil
}

// updateRow loads outbox row id in a transaction and lets change edit its
// deliveries; when change reports a change, the row is saved with its
// status derived from them and lastErr, if any, as its last_error. A row
// gone meanwhile (its poll was deleted) is left alone.
func updateRow(txApp core.App, id string, change func(ds []collections.Delivery) (changed bool, lastErr string, err error)) error {
	row, err := collections.FindNotification(txApp, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // its poll was deleted meanwhile
	}
	if err != nil {
		return err
	}
	ds, err := row.Deliveries()
	if err != nil {
		return err
	}
	changed, lastErr, err := change(ds)
	if err != nil || !changed {
		return err
	}
	if lastErr != "" {
		row.SetLastError(truncate(lastErr, 2000))
	}
	setDeliveries(row, ds)
	return txApp.Save(row)
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
	n.noteSend(res)
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
