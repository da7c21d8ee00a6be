package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/expo"
)

// checkReceipts asks Expo for the receipts of tickets older than
// ReceiptDelay and records them; receipts still missing after
// ReceiptTimeout are recorded as unknown.
func (n *Notifier) checkReceipts(ctx context.Context, app core.App, now time.Time, rep *Report) error {
	askBefore := now.Add(-n.settings.ReceiptDelay)
	due := func(d *collections.Delivery) bool { return d.AwaitingReceipt() && !d.SentAt.Time().After(askBefore) }

	ids, rowIds, err := dueReceipts(app, due)
	if err != nil || len(ids) == 0 {
		return err
	}

	// a partial answer is still worth recording
	receipts, fetchErr := n.client.GetReceipts(ctx, ids)
	n.noteRequestError(fetchErr)

	var local Report
	err = app.RunInTransaction(func(txApp core.App) error {
		local = Report{}
		for _, id := range rowIds {
			err := updateRow(txApp, id, func(ds []collections.Delivery) (bool, string, error) {
				return n.recordReceipts(txApp, now, ds, due, receipts, &local)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return errors.Join(fetchErr, err)
	}
	rep.addOutcomes(local)
	return fetchErr
}

// dueReceipts returns the ticket ids of the deliveries whose receipts are
// due, and the ids of the rows they belong to.
func dueReceipts(app core.App, due func(*collections.Delivery) bool) (ids, rowIds []string, err error) {
	rows, err := collections.SentOrPendingNotifications(app)
	if err != nil {
		return nil, nil, err
	}
	for _, row := range rows {
		ds, err := row.Deliveries()
		if err != nil {
			return nil, nil, fmt.Errorf("outbox row %s: %w", row.Id, err)
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
	return ids, rowIds, nil
}

// recordReceipts applies the receipts to the due deliveries of one row's ds
// and reports whether any was settled, with the error of the last error
// receipt.
func (n *Notifier) recordReceipts(txApp core.App, now time.Time, ds []collections.Delivery, due func(*collections.Delivery) bool, receipts map[string]expo.Receipt, local *Report) (changed bool, lastErr string, err error) {
	for i := range ds {
		d := &ds[i]
		if !due(d) {
			continue
		}
		r, ok := receipts[d.TicketID]
		o, settled, errored := n.applyReceipt(d, r, ok, now)
		if !settled {
			continue
		}
		if errored {
			lastErr = d.Error
		}
		changed = true
		local.Receipts++
		if err := local.count(txApp, o, d); err != nil {
			return false, "", err
		}
	}
	return changed, lastErr, nil
}

// applyReceipt records d's receipt r (found is false when Expo had none
// for it), or gives up waiting for it after ReceiptTimeout. settled is
// false when the receipt is still awaited; errored reports an error
// receipt.
func (n *Notifier) applyReceipt(d *collections.Delivery, r expo.Receipt, found bool, now time.Time) (o outcome, settled, errored bool) {
	switch {
	case found && r.OK():
		d.Receipt = collections.ReceiptOK
		return outcomeNone, true, false
	case found:
		n.metrics.ExpoErrors.Inc(answerClass(r.Class()))
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
		return o, true, true
	case now.Sub(d.SentAt.Time()) >= n.settings.ReceiptTimeout:
		d.Receipt = collections.ReceiptUnknown
		return outcomeNone, true, false
	}
	return outcomeNone, false, false
}
