package notify

import (
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/expo"
	"circly/request"
	"circly/seed"
)

// Push copy (API.md §12) is the title and body of each kind of push per
// locale, kept in push_copy where operators edit it, seeded with the
// shipped copy (seed.PushCopy). Its placeholders are JSONPath expressions
// over the push's Payload (see template.go).
//
// The copy is rendered when a row's recipients are chosen, for every
// locale, and stored on the row (title/body for ko, title_en/body_en for
// en); each delivery records its recipient's locale. A message is built
// from what is stored, so a resend after a crash sends exactly what the
// first attempt sent, whatever an operator edited in between, and an edit
// applies to the rows resolved after it (a new poll's poll_started, the
// reminders and results that come due).
//
// A push_copy row whose placeholder does not resolve (or which is
// malformed, saved around the validation hook) is not used: that locale's
// copy is the shipped copy and the row's note names the placeholder. A
// missing push_copy row means the shipped copy.

// Payload is what the placeholders of push copy read: the kind, the
// circle's shown name (collections.HiddenCircleName while reports hide it,
// API.md §10) and the poll's question and deadline.
//
//	{"kind": "poll_started",
//	 "circle": {"name": "우리반"},
//	 "poll": {"question_text": "…", "deadline": "2026-11-27 14:30:00.000Z"}}
func Payload(kind string, circle *collections.Circle, poll *collections.Poll) map[string]any {
	p := map[string]any{"question_text": poll.QuestionText()}
	if d := poll.Deadline(); !d.IsZero() {
		p["deadline"] = d.String()
	}
	return map[string]any{
		"kind":   kind,
		"circle": map[string]any{"name": circle.ShownName()},
		"poll":   p,
	}
}

// copyKind is the kind of copy of a row: its kind, or
// collections.CopyKindResultsUnrevealed for the results of a poll that
// closed below the threshold.
func (n *Notifier) copyKind(kind string, poll *collections.Poll) string {
	if kind == collections.KindResults && poll.IsClosed() && !n.revealed(poll) {
		return collections.CopyKindResultsUnrevealed
	}
	return kind
}

// setCopy renders and stores the row's copy for every locale, and sets its
// note to the placeholders that did not resolve (none: no note).
func (n *Notifier) setCopy(app core.App, row *collections.Notification, circle *collections.Circle, poll *collections.Poll) error {
	kind := n.copyKind(row.Kind(), poll)
	payload := Payload(row.Kind(), circle, poll)
	var notes []string
	for _, locale := range collections.Locales {
		title, body, note, err := renderCopy(app, kind, locale, payload)
		if err != nil {
			return err
		}
		row.SetCopyFor(locale, truncate(title, 500), truncate(body, 2000))
		if note != "" {
			notes = append(notes, note)
		}
	}
	row.SetNote(truncate(strings.Join(notes, "; "), 500))
	return nil
}

// renderCopy renders the copy of (kind, locale) over payload: the
// push_copy row, or the shipped copy when there is none or a placeholder
// of it does not resolve; note then names the placeholder.
func renderCopy(app core.App, kind, locale string, payload map[string]any) (title, body, note string, err error) {
	text, found, err := collections.FindPushCopy(app, kind, locale)
	if err != nil {
		return "", "", "", err
	}
	if found {
		title, err := RenderTemplate(text.Title, payload)
		if err == nil {
			body, err := RenderTemplate(text.Body, payload)
			if err == nil {
				return title, body, "", nil
			}
			note = copyNote(kind, locale, "body", err)
		} else {
			note = copyNote(kind, locale, "title", err)
		}
	}
	title, body = renderShipped(kind, locale, payload)
	return title, body, note, nil
}

// copyNote says which placeholder of a push_copy row failed.
func copyNote(kind, locale, field string, err error) string {
	return "push_copy " + kind + "/" + locale + " " + field + ": " + err.Error() + "; the shipped copy was sent"
}

// renderShipped renders the shipped copy, whose placeholders name only
// keys every payload has.
func renderShipped(kind, locale string, payload map[string]any) (title, body string) {
	text := seed.PushCopy(kind, locale)
	title, _ = RenderTemplate(text.Title, payload)
	body, _ = RenderTemplate(text.Body, payload)
	return title, body
}

// Copy returns the shipped Korean title and body of a notification of
// kind (or collections.CopyKindResultsUnrevealed) about a question asked
// in a circle.
func Copy(kind, circleName, question string) (title, body string) {
	return renderShipped(kind, collections.LocaleKo, map[string]any{
		"kind":   kind,
		"circle": map[string]any{"name": circleName},
		"poll":   map[string]any{"question_text": question},
	})
}

// HiddenResultsCopy is the shipped Korean title and body of the results of
// a poll that closed with too few votes to show its counts.
func HiddenResultsCopy(circleName, question string) (title, body string) {
	return Copy(collections.CopyKindResultsUnrevealed, circleName, question)
}

// validateCopy refuses a push_copy row whose title or body is malformed
// (an unclosed brace, a placeholder that is not a JSONPath expression), on
// every save path, the dashboard included. Whether a placeholder resolves
// is known only when a push is built.
func validateCopy(e *core.RecordEvent) error {
	for _, field := range []string{collections.FieldPushCopyTitle, collections.FieldPushCopyBody} {
		if _, err := ParseTemplate(e.Record.GetString(field)); err != nil {
			return request.FieldError(field, "validation_push_copy_placeholder", err.Error())
		}
	}
	return e.Next()
}

// minTTL is the shortest time to live given to a message that expires at
// the poll's deadline.
const minTTL = time.Minute

// message builds the push of one delivery of row about poll to a recipient
// of locale, sent at now.
//
// The copy is the row's, in the delivery's locale. data carries {kind,
// poll, circle} for the app's deep link (these are keys of the push
// payload, API.md §7, not field names), and for results also revealed:
// whether the poll closed with its counts shown. Announcements and
// reminders are worthless once the poll has closed, so their time to live
// ends at the deadline; reminders ask for high priority so that a dozing
// Android device still shows them in time.
func (n *Notifier) message(row *collections.Notification, poll *collections.Poll, token, locale string, now time.Time) expo.Message {
	kind := row.Kind()
	key := CollapseKey(poll.Id, kind)
	title, body := row.CopyFor(locale)
	m := expo.Message{
		To:    token,
		Title: title,
		Body:  body,
		Data: map[string]any{
			"kind":   kind,
			"poll":   poll.Id,
			"circle": poll.Circle(),
		},
		Sound:      "default",
		CollapseID: key,
		Tag:        key,
		ThreadID:   key,
	}
	if kind == collections.KindResults {
		m.Data["revealed"] = n.revealed(poll)
	}
	if !atClose(kind) {
		ttl := int(max(poll.Deadline().Time().Sub(now), minTTL) / time.Second)
		m.TTL = &ttl
	}
	if kind == collections.KindReminder1h || kind == collections.KindReminder10m {
		m.Priority = expo.PriorityHigh
	}
	return m
}
