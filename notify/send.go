package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
	"circly/expo"
)

// claimed is one delivery of a batch: where it is stored and what to send.
type claimed struct {
	row    *collections.Notification // as of the claim, for kind and copy
	poll   *collections.Poll
	index  int
	token  string
	locale string // the recipient's, as stored in the delivery
}

// sendPending sends pending deliveries, a claimed batch at a time, until
// none is left that may go now.
func (n *Notifier) sendPending(ctx context.Context, app core.App, now time.Time, rep *Report) error {
	exhausted := map[string]bool{} // rows with nothing more to claim in this run
	if err := n.markIdle(app, now, exhausted); err != nil {
		return err
	}
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
			msgs[i] = n.message(c.row, c.poll, c.token, c.locale, now)
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
	var c *claimRound
	err := app.RunInTransaction(func(txApp core.App) error {
		c = &claimRound{
			n:         n,
			txApp:     txApp,
			now:       now,
			exhausted: exhausted,
			polls:     map[string]*collections.Poll{},
		}
		return c.run()
	})
	if err != nil {
		return nil, err
	}
	rep.Skipped += c.skipped
	rep.Failed += c.failed
	return c.batch, nil
}

// claimRound is one claim transaction.
type claimRound struct {
	n         *Notifier
	txApp     core.App
	now       time.Time
	exhausted map[string]bool              // rows with nothing more to claim in this run
	polls     map[string]*collections.Poll // nil: the poll is gone

	batch   []claimed
	skipped int
	failed  int
}

// run claims from the pending rows, earliest due first, until the batch is
// full.
func (c *claimRound) run() error {
	ids, err := collections.PendingNotificationIds(c.txApp)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if len(c.batch) >= c.n.settings.BatchSize {
			break
		}
		if c.exhausted[id] {
			continue
		}
		if err := c.claimRow(id); err != nil {
			return err
		}
	}
	return nil
}

// claimRow claims what it may of one row's deliveries and saves the row if
// any of them changed.
func (c *claimRound) claimRow(id string) error {
	row, err := collections.FindNotification(c.txApp, id)
	if err != nil {
		return err
	}
	poll, err := c.poll(row.Poll())
	if err != nil {
		return err
	}
	ds, err := row.Deliveries()
	if err != nil {
		return fmt.Errorf("outbox row %s: %w", id, err)
	}

	expired := c.expired(row, poll)
	changed, claimedAny, full := false, false, false
	for i := 0; i < len(ds) && !full; i++ {
		switch c.claimDelivery(&ds[i], expired) {
		case deliverySettled:
			changed = true
		case deliveryClaimed:
			changed, claimedAny = true, true
			c.batch = append(c.batch, claimed{row: row, poll: poll, index: i, token: ds[i].Token, locale: ds[i].Locale})
		case batchFull:
			full = true
		}
	}
	if !full {
		c.exhausted[id] = true
	}
	if !changed {
		return nil
	}
	if claimedAny {
		row.SetAttempts(row.Attempts() + 1)
	}
	setDeliveries(row, ds)
	return c.txApp.Save(row)
}

// poll returns a row's poll, nil when it is gone, looking each poll up once
// per transaction.
func (c *claimRound) poll(pollId string) (*collections.Poll, error) {
	if poll, known := c.polls[pollId]; known {
		return poll, nil
	}
	poll, err := collections.FindPoll(c.txApp, pollId)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	c.polls[pollId] = poll // nil: the poll is gone
	return poll, nil
}

// claimStep is what claimDelivery did with a delivery.
type claimStep int

const (
	deliveryLeft    claimStep = iota // not to be sent now
	deliverySettled                  // made final: skipped or given up
	deliveryClaimed                  // claimed for this batch
	batchFull                        // claimable, but the batch is full
)

// claimDelivery claims d for the batch, or settles it when its poll has
// expired or it is out of attempts.
func (c *claimRound) claimDelivery(d *collections.Delivery, expired bool) claimStep {
	if !c.due(*d, expired) {
		return deliveryLeft
	}
	switch {
	case expired:
		d.State, d.Error = collections.DeliverySkipped, errClosedUnsent
		c.skipped++
		return deliverySettled
	case d.Attempts >= c.n.settings.MaxAttempts:
		last := d.Error
		if d.State == collections.DeliverySending || last == "" {
			last = "the outcome of the last attempt is unknown"
		}
		d.State, d.Error = collections.DeliveryFailed, fmt.Sprintf(errGaveUpTemplate, d.Attempts, last)
		c.failed++
		return deliverySettled
	}
	if len(c.batch) >= c.n.settings.BatchSize {
		return batchFull
	}
	d.State = collections.DeliverySending
	d.Attempts++
	d.TicketID, d.Receipt = "", ""
	d.RetryAt = types.DateTime{}
	return deliveryClaimed
}

// due reports whether a claim now would change d: claim it, or settle it
// (its poll expired, or it is out of attempts).
func (c *claimRound) due(d collections.Delivery, expired bool) bool {
	switch {
	case d.State != collections.DeliveryPending && d.State != collections.DeliverySending:
		return false
	case expired:
		return true
	case d.State == collections.DeliveryPending && d.RetryAt.Time().After(c.now):
		return false
	}
	return true
}

// expired reports whether a row's unsent deliveries are past sending: its
// poll is gone, or closed (or past its deadline) for a row that is not
// sent at the close.
func (c *claimRound) expired(row *collections.Notification, poll *collections.Poll) bool {
	return poll == nil || (!atClose(row.Kind()) &&
		(poll.IsClosed() || !c.now.Before(poll.Deadline().Time())))
}

// markIdle marks as exhausted, reading outside any transaction, the
// pending rows with nothing to claim or settle now, so the claim
// transactions (which hold SQLite's only writer, and votes wait for it) do
// not load them. Why: while Expo turns deliveries away the outbox fills
// with deliveries waiting for their retry, and loading every one of them
// in each claim held the writer for ~0.2 s per dispatcher run in the
// benchmark. A row that becomes due after this look is claimed by the next
// run, as one that becomes due after a run is; a row it cannot read is
// left to the claim, which reports the error.
func (n *Notifier) markIdle(app core.App, now time.Time, exhausted map[string]bool) error {
	rows, err := collections.PendingNotifications(app)
	if err != nil {
		return err
	}
	c := &claimRound{n: n, txApp: app, now: now, exhausted: exhausted, polls: map[string]*collections.Poll{}}
	for _, row := range rows {
		poll, err := c.poll(row.Poll())
		if err != nil {
			continue
		}
		ds, err := row.Deliveries()
		if err != nil {
			continue
		}
		expired := c.expired(row, poll)
		if !slices.ContainsFunc(ds, func(d collections.Delivery) bool { return c.due(d, expired) }) {
			exhausted[row.Id] = true
		}
	}
	return nil
}
