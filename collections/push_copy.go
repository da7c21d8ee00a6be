package collections

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// Locales a user may pick (users.locale) and push copy is written in
// (API.md §12). A user whose locale is empty reads LocaleDefault.
const (
	LocaleKo      = "ko"
	LocaleEn      = "en"
	LocaleDefault = LocaleKo
)

// Locales lists every locale, the default first.
var Locales = []string{LocaleKo, LocaleEn}

// LocaleOrDefault returns locale if it is one of Locales, else
// LocaleDefault.
func LocaleOrDefault(locale string) string {
	if slices.Contains(Locales, locale) {
		return locale
	}
	return LocaleDefault
}

// CopyKindResultsUnrevealed is the push copy of a results push of a poll
// that closed with too few votes to show its counts. It is a kind of copy,
// not of notification: the outbox row's kind is still KindResults.
const CopyKindResultsUnrevealed = "results_unrevealed"

// CopyKinds lists the kinds of push copy: every notification kind and
// CopyKindResultsUnrevealed.
var CopyKinds = []string{KindPollStarted, KindReminder1h, KindReminder10m, KindResults, CopyKindResultsUnrevealed, KindPicked}

// Fields of the push_copy collection (see NewPushCopy).
const (
	FieldPushCopyKind   = "kind"
	FieldPushCopyLocale = "locale"
	FieldPushCopyTitle  = "title"
	FieldPushCopyBody   = "body"
)

// pushCopyHelp explains the placeholders where the operator edits them
// (a field's help is at most 300 characters).
const pushCopyHelp = "Placeholders: {$.circle.name}, {$.poll.question_text}, {$.poll.deadline}, {$.kind} " +
	"(JSONPath over the push's payload); {{ and }} are literal braces. If one does not resolve, " +
	"the shipped copy is sent and the notifications row's note says so."

// NewPushCopy defines push_copy (API.md §12): the title and body of each
// kind of push per locale, seeded with the shipped copy (seed.PushCopy) and
// edited by operators in the dashboard. Only superusers read or write it.
// One row per (kind, locale); a missing row means the shipped copy.
func NewPushCopy() *core.Collection {
	c := core.NewBaseCollection(PushCopy, PushCopyId)

	c.Fields.Add(&core.SelectField{Name: FieldPushCopyKind, Required: true, MaxSelect: 1, Values: slices.Clone(CopyKinds),
		Help: "Which push: " + CopyKindResultsUnrevealed + " is the results push of a poll that closed with too few votes to show them."})
	c.Fields.Add(&core.SelectField{Name: FieldPushCopyLocale, Required: true, MaxSelect: 1, Values: slices.Clone(Locales),
		Help: "The recipients' users.locale (empty reads as " + LocaleDefault + ")."})
	c.Fields.Add(&core.TextField{Name: FieldPushCopyTitle, Required: true, Max: 500, Help: pushCopyHelp})
	c.Fields.Add(&core.TextField{Name: FieldPushCopyBody, Required: true, Max: 2000, Help: pushCopyHelp})
	autodates(c)

	superusersOnly(c)

	c.AddIndex("idx_push_copy_kind_locale", true, FieldPushCopyKind+", "+FieldPushCopyLocale, "")

	return c
}
