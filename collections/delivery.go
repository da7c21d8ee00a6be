package collections

import "github.com/pocketbase/pocketbase/tools/types"

// Delivery states, the "state" of an entry of a notification's deliveries
// (see package notify for the life cycle).
const (
	DeliveryPending = "pending" // not sent yet, or back to wait for a retry (RetryAt)
	DeliverySending = "sending" // claimed by a run, which may have handed it to Expo
	DeliverySent    = "sent"    // Expo accepted it (an ok ticket); its receipt follows
	DeliveryFailed  = "failed"  // final; Error says why
	DeliverySkipped = "skipped" // final; never sent (no push token, poll closed first…)
)

// Receipt values of a delivery besides Expo's error codes.
const (
	ReceiptOK      = "ok"      // the push provider (FCM or APNs) accepted it
	ReceiptUnknown = "unknown" // no receipt came in time
)

// Delivery is one recipient of a (poll, kind) notification, as stored in
// the row's "deliveries" JSON. The JSON names are the stored format: rows
// written by earlier versions must still decode, so change them only with a
// migration.
type Delivery struct {
	// User is the recipient's users id.
	User string `json:"user"`
	// Token is the Expo push token chosen when the row was built; retries
	// reuse it.
	Token string `json:"token,omitempty"`
	// Locale is the recipient's locale when the row was built (one of
	// Locales; empty in rows written before locales, read as
	// LocaleDefault); retries send the same copy.
	Locale string `json:"locale,omitempty"`
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

// AwaitingReceipt reports whether d was accepted and its receipt is due.
func (d *Delivery) AwaitingReceipt() bool {
	return d.State == DeliverySent && d.TicketID != "" && d.Receipt == ""
}

// Outcomes counts a row's deliveries by outcome.
type Outcomes struct {
	Total   int
	Sent    int // state sent
	Failed  int // state failed (final)
	Skipped int // state skipped (final)
	Final   int // failed, skipped, or sent with its receipt settled (ok or unknown)
}

// AllFinal reports whether every delivery has a final outcome: none is
// waiting to be sent or resent, and no accepted send awaits its receipt.
func (o Outcomes) AllFinal() bool { return o.Final == o.Total }

// DeliveryOutcomes counts ds by outcome.
func DeliveryOutcomes(ds []Delivery) Outcomes {
	o := Outcomes{Total: len(ds)}
	for i := range ds {
		switch ds[i].State {
		case DeliverySent:
			o.Sent++
			if !ds[i].AwaitingReceipt() {
				o.Final++
			}
		case DeliveryFailed:
			o.Failed++
			o.Final++
		case DeliverySkipped:
			o.Skipped++
			o.Final++
		}
	}
	return o
}
