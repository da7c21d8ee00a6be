package notify

import (
	"encoding/json"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// Delivery states, the "state" of an entry of a row's deliveries.
const (
	// DeliveryPending: not sent yet, or sent back to wait for a retry
	// (RetryAt).
	DeliveryPending = "pending"
	// DeliverySending: claimed by a run, which may have handed it to Expo;
	// found at the start of a run, it is the ambiguous case and is sent again.
	DeliverySending = "sending"
	// DeliverySent: Expo accepted it (an ok ticket); its receipt follows.
	DeliverySent = "sent"
	// DeliveryFailed: final; Error says why.
	DeliveryFailed = "failed"
	// DeliverySkipped: final; never sent (no push token, poll closed first…).
	DeliverySkipped = "skipped"
)

// Receipt values of a delivery besides Expo's error codes.
const (
	// ReceiptOK: the push provider (FCM or APNs) accepted the notification.
	ReceiptOK = "ok"
	// ReceiptUnknown: no receipt came within Settings.ReceiptTimeout.
	ReceiptUnknown = "unknown"
)

// Delivery is one recipient of a (poll, kind) notification, as stored in the
// row's "deliveries" JSON.
type Delivery struct {
	// User is the recipient's users id.
	User string `json:"user"`
	// Token is the Expo push token chosen when the row was built; retries
	// reuse it.
	Token string `json:"token,omitempty"`
	// State is one of the Delivery* constants.
	State string `json:"state"`
	// Attempts counts the claims (sends handed to Expo, or about to be).
	Attempts int `json:"attempts,omitempty"`
	// TicketID is the receipt id of Expo's ok ticket.
	TicketID string `json:"ticket_id,omitempty"`
	// Receipt is ReceiptOK, ReceiptUnknown or the error code of an error
	// receipt; empty while awaited.
	Receipt string `json:"receipt,omitempty"`
	// Error is the last error, or why the delivery was skipped.
	Error string `json:"error,omitempty"`
	// SentAt is when the accepted send was made.
	SentAt types.DateTime `json:"sent_at,omitzero"`
	// RetryAt, for a pending delivery, is when it may be sent again.
	RetryAt types.DateTime `json:"retry_at,omitzero"`
}

// awaitingReceipt reports whether d was accepted and its receipt is due.
func (d *Delivery) awaitingReceipt() bool {
	return d.State == DeliverySent && d.TicketID != "" && d.Receipt == ""
}

// Deliveries decodes the "deliveries" of an outbox row.
func Deliveries(row *core.Record) ([]Delivery, error) {
	raw := strings.TrimSpace(row.GetString("deliveries"))
	if raw == "" || raw == "null" {
		return nil, nil
	}
	var ds []Delivery
	if err := json.Unmarshal([]byte(raw), &ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// rowStatus derives a resolved row's status from its deliveries.
func rowStatus(ds []Delivery) string {
	awaiting, skipped := false, 0
	for i := range ds {
		switch ds[i].State {
		case DeliveryPending, DeliverySending:
			return collections.NotificationPending
		case DeliverySkipped:
			skipped++
		}
		if ds[i].awaitingReceipt() {
			awaiting = true
		}
	}
	switch {
	case awaiting:
		return collections.NotificationSent
	case skipped == len(ds):
		return collections.NotificationSkipped
	}
	return collections.NotificationDone
}

// setDeliveries stores ds in row and derives its status from them.
func setDeliveries(row *core.Record, ds []Delivery) {
	if ds == nil {
		ds = []Delivery{}
	}
	row.Set("deliveries", ds)
	row.Set("status", rowStatus(ds))
}

// CollapseKey is the key every message of a (poll, kind) carries as
// collapseId, tag and threadId, so that a second copy replaces the first on
// the device.
func CollapseKey(pollId, kind string) string {
	return "circly:" + pollId + ":" + kind
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
