package notify

import (
	"testing"
	"time"

	"circly/collections"
)

func TestNextStep(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	later := now.Add(3 * time.Hour) // a deadline well ahead
	soon := now.Add(30 * time.Minute)
	verySoon := now.Add(5 * time.Minute)
	past := now.Add(-time.Minute)
	tests := []struct {
		name         string
		kind         string
		dueAt        time.Time
		gone, closed bool
		deadline     time.Time
		step         dueStep
		due          time.Time
		note         string
	}{
		{"poll gone", collections.KindResults, later, true, false, time.Time{}, stepSkip, time.Time{}, notePollGone},
		{"results wait for the close", collections.KindResults, later, false, false, later, stepWait, time.Time{}, ""},
		{"results follow a moved deadline", collections.KindResults, later, false, false, soon, stepMoveDue, soon, ""},
		{"results go once closed", collections.KindResults, later, false, true, later, stepResolve, time.Time{}, ""},
		{"results go once closed, deadline past", collections.KindResults, past, false, true, past, stepResolve, time.Time{}, ""},
		{"picked go once closed", collections.KindPicked, later, false, true, later, stepResolve, time.Time{}, ""},
		{"picked wait for the close", collections.KindPicked, later, false, false, later, stepWait, time.Time{}, ""},
		{"1h reminder waits", collections.KindReminder1h, later.Add(-time.Hour), false, false, later, stepWait, time.Time{}, ""},
		{"1h reminder follows the deadline", collections.KindReminder1h, later.Add(-time.Hour), false, false, later.Add(time.Hour), stepMoveDue, later, ""},
		{"1h reminder due", collections.KindReminder1h, soon.Add(-time.Hour), false, false, soon, stepResolve, time.Time{}, ""},
		{"1h reminder superseded by the 10m one", collections.KindReminder1h, verySoon.Add(-time.Hour), false, false, verySoon, stepSkip, time.Time{}, noteSuperseded},
		{"10m reminder due", collections.KindReminder10m, verySoon.Add(-10 * time.Minute), false, false, verySoon, stepResolve, time.Time{}, ""},
		{"10m reminder waits", collections.KindReminder10m, soon.Add(-10 * time.Minute), false, false, soon, stepWait, time.Time{}, ""},
		{"reminder of a closed poll", collections.KindReminder10m, later, false, true, later, stepSkip, time.Time{}, noteClosedFirst},
		{"reminder past the deadline", collections.KindReminder1h, past.Add(-time.Hour), false, false, past, stepSkip, time.Time{}, noteClosedFirst},
		{"reminder at the deadline", collections.KindReminder10m, now.Add(-10 * time.Minute), false, false, now, stepSkip, time.Time{}, noteClosedFirst},
		{"announcements are never scheduled", collections.KindPollStarted, past, false, false, later, stepWait, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, due, note := nextStep(tt.kind, tt.dueAt, tt.gone, tt.closed, tt.deadline, now)
			if step != tt.step || !due.Equal(tt.due) || note != tt.note {
				t.Errorf("nextStep = (%d, %s, %q), want (%d, %s, %q)", step, due, note, tt.step, tt.due, tt.note)
			}
		})
	}
}
