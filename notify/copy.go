package notify

import (
	"time"

	"circly/collections"
	"circly/expo"
)

// Copy returns the Korean title and body of a notification of kind about a
// question asked in a circle.
func Copy(kind, circleName, question string) (title, body string) {
	where := circleName + " · " + question
	switch kind {
	case collections.KindPollStarted:
		return "📊 " + circleName + "에 새 질문이 올라왔어요", question
	case collections.KindReminder1h:
		return "⏰ 마감 1시간 전이에요", where
	case collections.KindReminder10m:
		return "⏳ 마감 10분 전!", where
	case collections.KindResults:
		return "🎉 결과가 나왔어요", where
	case collections.KindPicked:
		return "💌 누군가 나를 골랐어요", where
	}
	return circleName, question
}

// HiddenResultsCopy is the Korean title and body of the results of a poll
// that closed with too few votes to show its counts.
func HiddenResultsCopy(circleName, question string) (title, body string) {
	return "🔒 투표가 너무 적어서 결과를 공개하지 않아요", circleName + " · " + question
}

// minTTL is the shortest time to live given to a message that expires at
// the poll's deadline.
const minTTL = time.Minute

// message builds the push of one delivery of row about poll, sent at now.
//
// data carries {kind, poll, circle} for the app's deep link (these are keys
// of the push payload, API.md §7, not field names), and for results also
// revealed: whether the poll closed with its counts shown. Announcements
// and reminders are worthless once the poll has closed, so their time to
// live ends at the deadline; reminders ask for high priority so that a
// dozing Android device still shows them in time.
func (n *Notifier) message(row *collections.Notification, poll *collections.Poll, token string, now time.Time) expo.Message {
	kind := row.Kind()
	key := CollapseKey(poll.Id, kind)
	m := expo.Message{
		To:    token,
		Title: row.Title(),
		Body:  row.Body(),
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
