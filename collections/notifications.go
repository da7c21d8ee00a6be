package collections

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// Notification kinds (API.md §7).
const (
	KindPollStarted = "poll_started"
	KindReminder1h  = "reminder_1h"
	KindReminder10m = "reminder_10m"
	KindResults     = "results"
	KindPicked      = "picked" // "someone picked you", when a poll closes with its counts revealed
)

// NotificationKinds lists every kind, in the order a poll's pushes go out.
var NotificationKinds = []string{KindPollStarted, KindReminder1h, KindReminder10m, KindResults, KindPicked}

// Notification row states (see package notify for the whole life cycle).
const (
	NotificationScheduled = "scheduled" // waiting for its moment; recipients not chosen yet
	NotificationPending   = "pending"   // recipients chosen; some not (finally) sent yet
	NotificationSent      = "sent"      // every recipient has a send outcome; receipts awaited
	NotificationDone      = "done"      // receipts settled or given up; final
	NotificationSkipped   = "skipped"   // nothing to send (moment already past, no one to reach); final
)

// Help texts of the notifications fields, shown under each field in the
// dashboard.
const (
	helpNotificationPoll       = "The poll this push is about (its question is shown)."
	helpNotificationKind       = "poll_started, reminder_1h, reminder_10m, results or picked."
	helpNotificationStatus     = "scheduled: waiting for due_at. pending: recipients chosen, sending. sent: every recipient answered by Expo, receipts awaited. done: finished. skipped: nothing to send (see note)."
	helpNotificationDueAt      = "When the recipients are (or were) chosen."
	helpNotificationDeliveries = "One entry per recipient: user, token, state (pending, sending, sent, failed, skipped), attempts, ticket_id, receipt (ok, an Expo error code or unknown), error, sent_at, retry_at. Always a list; [] before recipients are chosen."
	helpNotificationAttempts   = "Sending rounds this row took part in (more than 1: something was retried)."
	helpNotificationSent       = "Recipients Expo accepted the push for (set by the server from deliveries)."
	helpNotificationFailed     = "Recipients given up on, with the error in their delivery (set by the server from deliveries)."
	helpNotificationSkipped    = "Recipients not sent to on purpose: muted, no push token, disabled, poll closed first… (set by the server from deliveries)."
	helpNotificationLastError  = "The latest error of a recipient; emptied once every recipient has a final outcome without error. Filter failed > 0 for rows with lasting problems."
	helpNotificationNote       = "Why the row was skipped or given up, if it was."
)

// NewNotifications defines the push outbox: one row per (poll, kind) with the
// per-recipient delivery state in "deliveries" (user, token, state, attempts,
// ticket, receipt, error, sent_at). The unique (poll, kind) index is what
// makes enqueueing idempotent. "note" says why a row was skipped or given up,
// or which placeholder of the push copy did not resolve; sent, failed and
// skipped count the deliveries in those states (kept by
// Notification.SetDeliveries). The copy is stored per locale (title/body: ko;
// title_en/body_en: en) when the recipients are chosen, and each delivery
// records its recipient's locale, so a resend sends what the first attempt
// sent. Superusers only: it is read in the dashboard, and written by the
// dispatcher from Go; package dashboard refuses hand creation and editing.
func NewNotifications() *core.Collection {
	c := core.NewBaseCollection(Notifications, NotificationsId)

	c.Fields.Add(&core.RelationField{Name: "poll", Required: true, CollectionId: PollsId, CascadeDelete: true, MaxSelect: 1,
		Help: helpNotificationPoll})
	c.Fields.Add(&core.SelectField{Name: FieldNotificationKind, Required: true, MaxSelect: 1,
		Values: slices.Clone(NotificationKinds), Help: helpNotificationKind})
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1,
		Values: []string{NotificationScheduled, NotificationPending, NotificationSent, NotificationDone, NotificationSkipped},
		Help:   helpNotificationStatus})
	c.Fields.Add(&core.DateField{Name: "due_at", Required: true, Help: helpNotificationDueAt})
	c.Fields.Add(&core.TextField{Name: "title", Max: 500})
	c.Fields.Add(&core.TextField{Name: "body", Max: 2000})
	c.Fields.Add(&core.TextField{Name: FieldNotificationTitleEn, Max: 500,
		Help: "The title sent to recipients whose locale is en (title is the ko copy)."})
	c.Fields.Add(&core.TextField{Name: FieldNotificationBodyEn, Max: 2000,
		Help: "The body sent to recipients whose locale is en (body is the ko copy)."})
	c.Fields.Add(&core.JSONField{Name: "deliveries", MaxSize: 2 << 20, Help: helpNotificationDeliveries})
	c.Fields.Add(&core.NumberField{Name: "attempts", Min: floatPtr(0), OnlyInt: true, Help: helpNotificationAttempts})
	c.Fields.Add(&core.NumberField{Name: FieldNotificationSent, Min: floatPtr(0), OnlyInt: true, Help: helpNotificationSent})
	c.Fields.Add(&core.NumberField{Name: FieldNotificationFailed, Min: floatPtr(0), OnlyInt: true, Help: helpNotificationFailed})
	c.Fields.Add(&core.NumberField{Name: FieldNotificationSkipped, Min: floatPtr(0), OnlyInt: true, Help: helpNotificationSkipped})
	c.Fields.Add(&core.TextField{Name: "last_error", Max: 2000, Help: helpNotificationLastError})
	c.Fields.Add(&core.TextField{Name: "note", Max: 500, Help: helpNotificationNote})
	autodates(c)

	superusersOnly(c)

	c.AddIndex("idx_notifications_poll_kind", true, "poll, kind", "")
	c.AddIndex("idx_notifications_status_due", false, "status, due_at", "")

	return c
}
