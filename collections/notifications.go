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

// NewNotifications defines the push outbox: one row per (poll, kind) with the
// per-recipient delivery state in "deliveries" (user, token, state, attempts,
// ticket, receipt, error, sent_at). The unique (poll, kind) index is what
// makes enqueueing idempotent. "note" says why a row was skipped or given up,
// or which placeholder of the push copy did not resolve. The copy is stored
// per locale (title/body: ko; title_en/body_en: en) when the recipients are
// chosen, and each delivery records its recipient's locale, so a resend
// sends what the first attempt sent.
// Superusers only: it is read in the dashboard, and written by the
// dispatcher from Go.
func NewNotifications() *core.Collection {
	c := core.NewBaseCollection(Notifications, NotificationsId)

	c.Fields.Add(&core.RelationField{Name: "poll", Required: true, CollectionId: PollsId, CascadeDelete: true, MaxSelect: 1})
	c.Fields.Add(&core.SelectField{Name: FieldNotificationKind, Required: true, MaxSelect: 1,
		Values: slices.Clone(NotificationKinds)})
	c.Fields.Add(&core.SelectField{Name: "status", Required: true, MaxSelect: 1,
		Values: []string{NotificationScheduled, NotificationPending, NotificationSent, NotificationDone, NotificationSkipped}})
	c.Fields.Add(&core.DateField{Name: "due_at", Required: true})
	c.Fields.Add(&core.TextField{Name: "title", Max: 500})
	c.Fields.Add(&core.TextField{Name: "body", Max: 2000})
	c.Fields.Add(&core.TextField{Name: FieldNotificationTitleEn, Max: 500,
		Help: "The title sent to recipients whose locale is en (title is the ko copy)."})
	c.Fields.Add(&core.TextField{Name: FieldNotificationBodyEn, Max: 2000,
		Help: "The body sent to recipients whose locale is en (body is the ko copy)."})
	c.Fields.Add(&core.JSONField{Name: "deliveries", MaxSize: 2 << 20})
	c.Fields.Add(&core.NumberField{Name: "attempts", Min: floatPtr(0), OnlyInt: true})
	c.Fields.Add(&core.TextField{Name: "last_error", Max: 2000})
	c.Fields.Add(&core.TextField{Name: "note", Max: 500})
	autodates(c)

	c.ListRule = nil
	c.ViewRule = nil
	c.CreateRule = nil
	c.UpdateRule = nil
	c.DeleteRule = nil

	c.AddIndex("idx_notifications_poll_kind", true, "poll, kind", "")
	c.AddIndex("idx_notifications_status_due", false, "status, due_at", "")

	return c
}
