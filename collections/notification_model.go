package collections

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Fields of the notifications collection (see NewNotifications).
const (
	FieldNotificationPoll       = "poll"
	FieldNotificationKind       = "kind"
	FieldNotificationStatus     = "status"
	FieldNotificationDueAt      = "due_at"
	FieldNotificationTitle      = "title"
	FieldNotificationBody       = "body"
	FieldNotificationTitleEn    = "title_en"
	FieldNotificationBodyEn     = "body_en"
	FieldNotificationDeliveries = "deliveries"
	FieldNotificationAttempts   = "attempts"
	FieldNotificationSent       = "sent"
	FieldNotificationFailed     = "failed"
	FieldNotificationSkipped    = "skipped"
	FieldNotificationLastError  = "last_error"
	FieldNotificationNote       = "note"
)

var (
	_ core.Model        = (*Notification)(nil)
	_ core.PreValidator = (*Notification)(nil)
	_ core.RecordProxy  = (*Notification)(nil)
)

// Notification is a typed record of the notifications collection: the
// push outbox row of one (poll, kind).
type Notification struct {
	*core.Record
}

// AsNotification wraps a notifications record (nil stays nil). The record
// is shared, not copied: setters change it.
func AsNotification(r *core.Record) *Notification {
	if r == nil {
		return nil
	}
	return &Notification{Record: r}
}

// NewNotification returns a blank, unsaved outbox row with no deliveries
// ([]).
func NewNotification(app core.App) (*Notification, error) {
	r, err := newRecord(app, Notifications)
	n, err := wrapOne(r, err, AsNotification)
	if n != nil {
		n.SetDeliveries(nil)
	}
	return n, err
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a notifications record, and stores deliveries that were
// never set as [] (never null).
func (n *Notification) PreValidate(ctx context.Context, app core.App) error {
	if err := checkProxy(n.Record, Notifications); err != nil {
		return err
	}
	if raw := strings.TrimSpace(n.DeliveriesJSON()); raw == "" || raw == "null" {
		n.SetDeliveries(nil)
	}
	return nil
}

// ProxyRecord returns the wrapped record.
func (n *Notification) ProxyRecord() *core.Record { return n.Record }

// SetProxyRecord replaces the wrapped record.
func (n *Notification) SetProxyRecord(r *core.Record) { n.Record = r }

// Poll returns the poll's id.
func (n *Notification) Poll() string { return n.GetString(FieldNotificationPoll) }

// SetPoll sets the poll's id.
func (n *Notification) SetPoll(pollId string) { n.Set(FieldNotificationPoll, pollId) }

// Kind returns one of the Kind* constants.
func (n *Notification) Kind() string { return n.GetString(FieldNotificationKind) }

// SetKind sets one of the Kind* constants.
func (n *Notification) SetKind(kind string) { n.Set(FieldNotificationKind, kind) }

// Status returns one of the Notification* row states.
func (n *Notification) Status() string { return n.GetString(FieldNotificationStatus) }

// SetStatus sets one of the Notification* row states.
func (n *Notification) SetStatus(status string) { n.Set(FieldNotificationStatus, status) }

// DueAt returns when the row's recipients are (or were) chosen.
func (n *Notification) DueAt() types.DateTime { return n.GetDateTime(FieldNotificationDueAt) }

// SetDueAt sets when the row's recipients are chosen.
func (n *Notification) SetDueAt(t types.DateTime) { n.Set(FieldNotificationDueAt, t) }

// Title returns the push title (at most 500 characters are stored).
func (n *Notification) Title() string { return n.GetString(FieldNotificationTitle) }

// SetTitle sets the push title.
func (n *Notification) SetTitle(title string) { n.Set(FieldNotificationTitle, title) }

// Body returns the push body (at most 2000 characters are stored).
func (n *Notification) Body() string { return n.GetString(FieldNotificationBody) }

// SetBody sets the push body.
func (n *Notification) SetBody(body string) { n.Set(FieldNotificationBody, body) }

// copyFields names the title and body fields of a locale's copy.
func copyFields(locale string) (title, body string) {
	if locale == LocaleEn {
		return FieldNotificationTitleEn, FieldNotificationBodyEn
	}
	return FieldNotificationTitle, FieldNotificationBody
}

// CopyFor returns the title and body sent to recipients of locale. A row
// stored before locales existed has no en copy: its ko copy is returned.
func (n *Notification) CopyFor(locale string) (title, body string) {
	tf, bf := copyFields(LocaleOrDefault(locale))
	title, body = n.GetString(tf), n.GetString(bf)
	if title == "" && body == "" {
		return n.Title(), n.Body()
	}
	return title, body
}

// SetCopyFor sets the title and body sent to recipients of locale.
func (n *Notification) SetCopyFor(locale, title, body string) {
	tf, bf := copyFields(LocaleOrDefault(locale))
	n.Set(tf, title)
	n.Set(bf, body)
}

// Attempts returns how many send runs claimed deliveries of the row.
func (n *Notification) Attempts() int { return n.GetInt(FieldNotificationAttempts) }

// SetAttempts sets the number of send runs that claimed deliveries.
func (n *Notification) SetAttempts(attempts int) { n.Set(FieldNotificationAttempts, attempts) }

// LastError returns the last delivery error (at most 2000 characters).
func (n *Notification) LastError() string { return n.GetString(FieldNotificationLastError) }

// SetLastError sets the last delivery error.
func (n *Notification) SetLastError(msg string) { n.Set(FieldNotificationLastError, msg) }

// Note returns why the row was skipped or given up, if it was.
func (n *Notification) Note() string { return n.GetString(FieldNotificationNote) }

// SetNote sets why the row was skipped or given up.
func (n *Notification) SetNote(note string) { n.Set(FieldNotificationNote, note) }

// Created returns when the row was created.
func (n *Notification) Created() types.DateTime { return n.GetDateTime(FieldCreated) }

// Updated returns when the row was last saved.
func (n *Notification) Updated() types.DateTime { return n.GetDateTime(FieldUpdated) }

// Sent returns how many deliveries Expo accepted (state sent).
func (n *Notification) Sent() int { return n.GetInt(FieldNotificationSent) }

// Failed returns how many deliveries were given up (state failed).
func (n *Notification) Failed() int { return n.GetInt(FieldNotificationFailed) }

// Skipped returns how many deliveries were not sent on purpose (state
// skipped).
func (n *Notification) Skipped() int { return n.GetInt(FieldNotificationSkipped) }

// DeliveriesJSON returns the deliveries as raw JSON: "[]" for a row made by
// NewNotification or saved as a proxy; "null" only for a raw record whose
// deliveries were never set.
func (n *Notification) DeliveriesJSON() string { return n.GetString(FieldNotificationDeliveries) }

// Deliveries decodes the row's deliveries; an empty list when there are
// none.
func (n *Notification) Deliveries() ([]Delivery, error) {
	raw := strings.TrimSpace(n.DeliveriesJSON())
	if raw == "" || raw == "null" {
		return []Delivery{}, nil
	}
	var ds []Delivery
	if err := json.Unmarshal([]byte(raw), &ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// SetDeliveries stores ds (nil as []) and what is derived from them: the
// sent, failed and skipped counts, and an empty last_error once every
// delivery has a final outcome without error (DeliveryOutcomes). The row's
// status is the caller's to derive.
func (n *Notification) SetDeliveries(ds []Delivery) {
	if ds == nil {
		ds = []Delivery{}
	}
	n.Set(FieldNotificationDeliveries, ds)
	o := DeliveryOutcomes(ds)
	n.Set(FieldNotificationSent, o.Sent)
	n.Set(FieldNotificationFailed, o.Failed)
	n.Set(FieldNotificationSkipped, o.Skipped)
	if o.AllFinal() && o.Failed == 0 {
		n.SetLastError("")
	}
}
