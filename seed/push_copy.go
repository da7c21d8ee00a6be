package seed

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// The placeholders of the shipped push copy (JSONPath over the push's
// payload, see notify.Payload).
const (
	circleName = "{$.circle.name}"
	question   = "{$.poll.question_text}"
	where      = circleName + " · " + question
)

// pushCopy is the shipped push copy by locale and kind of copy
// (collections.CopyKinds).
var pushCopy = map[string]map[string]collections.PushCopyText{
	collections.LocaleKo: {
		collections.KindPollStarted:           {Title: "📊 " + circleName + "에 새 질문이 올라왔어요", Body: question},
		collections.KindReminder1h:            {Title: "⏰ 마감 1시간 전이에요", Body: where},
		collections.KindReminder10m:           {Title: "⏳ 마감 10분 전!", Body: where},
		collections.KindResults:               {Title: "🎉 결과가 나왔어요", Body: where},
		collections.CopyKindResultsUnrevealed: {Title: "🔒 투표가 너무 적어서 결과를 공개하지 않아요", Body: where},
		collections.KindPicked:                {Title: "💌 누군가 나를 골랐어요", Body: where},
	},
	collections.LocaleEn: {
		collections.KindPollStarted:           {Title: "📊 New question in " + circleName, Body: question},
		collections.KindReminder1h:            {Title: "⏰ One hour left to vote", Body: where},
		collections.KindReminder10m:           {Title: "⏳ 10 minutes left!", Body: where},
		collections.KindResults:               {Title: "🎉 The results are in", Body: where},
		collections.CopyKindResultsUnrevealed: {Title: "🔒 Too few votes to show the results", Body: where},
		collections.KindPicked:                {Title: "💌 Someone picked you", Body: where},
	},
}

// PushCopy returns the shipped copy of a kind of copy in locale (an
// unknown locale reads as collections.LocaleDefault). Its placeholders
// always resolve: they name only keys every payload has.
func PushCopy(kind, locale string) collections.PushCopyText {
	return pushCopy[collections.LocaleOrDefault(locale)][kind]
}

// LoadPushCopy inserts the shipped copy of every (kind, locale) that has no
// push_copy row yet and returns how many it inserted; an operator's edits
// stay.
func LoadPushCopy(app core.App) (int, error) {
	inserted := 0
	err := app.RunInTransaction(func(txApp core.App) error {
		inserted = 0
		for _, locale := range collections.Locales {
			for _, kind := range collections.CopyKinds {
				added, err := collections.InsertPushCopy(txApp, kind, locale, PushCopy(kind, locale))
				if err != nil {
					return err
				}
				if added {
					inserted++
				}
			}
		}
		return nil
	})
	return inserted, err
}
