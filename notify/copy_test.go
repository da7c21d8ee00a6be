package notify_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/collections"
	"circly/notify"
)

// pushCopy returns the push_copy row of (kind, locale).
func (h *harness) pushCopy(kind, locale string) *core.Record {
	h.t.Helper()
	r, err := h.app.FindFirstRecordByFilter(collections.PushCopy, "kind = {:k} && locale = {:l}",
		dbx.Params{"k": kind, "l": locale})
	if err != nil {
		h.t.Fatalf("push_copy %s/%s: %v", kind, locale, err)
	}
	return r
}

// editCopy updates the push_copy row of (kind, locale) as an operator does
// in the dashboard (the superuser records API) and returns the answer.
func (h *harness) editCopy(kind, locale string, body map[string]any) (int, map[string]any) {
	h.t.Helper()
	su := circlytest.SuperuserHeader(h.t, h.app)["Authorization"]
	return h.call("PATCH", "/api/collections/push_copy/records/"+h.pushCopy(kind, locale).Id, su, body)
}

// setLocale sets user i's locale as the app does.
func (h *harness) setLocale(f *circleFixture, i int, locale string) {
	h.t.Helper()
	if status, body := h.call("PATCH", "/api/collections/users/records/"+f.users[i].Id, f.auth[i],
		map[string]any{"locale": locale}); status != http.StatusOK {
		h.t.Fatalf("set locale of user %d: %d %v", i, status, body)
	}
}

// An operator edits the poll_started copy; the next poll's push carries
// it, placeholders resolved, and the outbox row shows it.
func TestOperatorEditsPollStartedCopy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	if status, body := h.editCopy(collections.KindPollStarted, collections.LocaleKo, map[string]any{
		"title": "📣 {$.circle.name}: 오늘의 질문",
		"body":  "{$.poll.question_text} (마감 {$.poll.deadline})",
	}); status != http.StatusOK {
		t.Fatalf("edit: %d %v", status, body)
	}
	poll := h.createPoll(f, 0, time.Hour)
	h.run(time.Now())

	name, question := f.circle.GetString("name"), poll.GetString("question_text")
	wantTitle := "📣 " + name + ": 오늘의 질문"
	wantBody := question + " (마감 " + poll.GetDateTime("deadline").String() + ")"
	for _, i := range []int{1, 2} {
		msgs := h.expo.MessagesTo(f.push[i])
		if len(msgs) != 1 || msgs[0].Title != wantTitle || msgs[0].Body != wantBody {
			t.Fatalf("user %d got %+v, want %q / %q", i, msgs, wantTitle, wantBody)
		}
	}
	r := collections.AsNotification(row(t, h.app, poll.Id, collections.KindPollStarted))
	if r.Title() != wantTitle || r.Note() != "" {
		t.Fatalf("outbox row: title %q note %q", r.Title(), r.Note())
	}
}

// Each recipient gets the copy of its own locale: English for a user who
// set "en", Korean for the others (set "ko" or nothing), in the same
// circle, for the announcement and for the results.
func TestRecipientLocalePicksTheCopy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(4)
	h.setLocale(f, 1, collections.LocaleEn)
	h.setLocale(f, 2, collections.LocaleKo) // user 3 never set one
	now := time.Now()
	poll := h.createPoll(f, 0, 2*time.Hour)
	h.run(now)

	name := f.circle.GetString("name")
	question := poll.GetString("question_text")
	en := lastTo(t, h, f.push[1], poll.Id, collections.KindPollStarted)
	if en.Title != "📊 New question in "+name || en.Body != question {
		t.Fatalf("en user: %q / %q", en.Title, en.Body)
	}
	koTitle, koBody := notify.Copy(collections.KindPollStarted, name, question)
	for _, i := range []int{2, 3} {
		if m := lastTo(t, h, f.push[i], poll.Id, collections.KindPollStarted); m.Title != koTitle || m.Body != koBody {
			t.Fatalf("user %d: %q / %q, want the Korean copy", i, m.Title, m.Body)
		}
	}
	ds := deliveries(t, h.app, poll.Id, collections.KindPollStarted)
	if ds[f.users[1].Id].Locale != collections.LocaleEn || ds[f.users[3].Id].Locale != collections.LocaleKo {
		t.Fatalf("deliveries do not record the locale: %+v", ds)
	}

	// too few votes: the unrevealed results copy, in each locale
	h.closePoll(poll, now.Add(time.Minute))
	if m := lastTo(t, h, f.push[1], poll.Id, collections.KindResults); m.Title != "🔒 Too few votes to show the results" ||
		m.Body != name+" · "+question || m.Data["revealed"] != false {
		t.Fatalf("en results: %q / %q %v", m.Title, m.Body, m.Data)
	}
	koTitle, _ = notify.HiddenResultsCopy(name, question)
	if m := lastTo(t, h, f.push[3], poll.Id, collections.KindResults); m.Title != koTitle {
		t.Fatalf("ko results: %q", m.Title)
	}
}

// A placeholder that is well-formed but does not resolve is accepted at
// save; the push then carries the shipped copy of that locale, and the
// outbox row's note names the placeholder. The other locale is untouched.
func TestUnresolvedPlaceholderSendsShippedCopy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	h.setLocale(f, 1, collections.LocaleEn)
	if status, body := h.editCopy(collections.KindPollStarted, collections.LocaleEn, map[string]any{
		"body": "{$.poll.question_text} — {$.circle.owner}",
	}); status != http.StatusOK {
		t.Fatalf("edit: %d %v", status, body)
	}
	if status, body := h.editCopy(collections.KindPollStarted, collections.LocaleKo, map[string]any{
		"title": "새 질문!",
	}); status != http.StatusOK {
		t.Fatalf("edit: %d %v", status, body)
	}
	poll := h.createPoll(f, 0, time.Hour)
	h.run(time.Now())

	name, question := f.circle.GetString("name"), poll.GetString("question_text")
	if m := lastTo(t, h, f.push[1], poll.Id, collections.KindPollStarted); m.Title != "📊 New question in "+name || m.Body != question {
		t.Fatalf("en user: %q / %q, want the shipped English copy", m.Title, m.Body)
	}
	if m := lastTo(t, h, f.push[2], poll.Id, collections.KindPollStarted); m.Title != "새 질문!" || m.Body != question {
		t.Fatalf("ko user: %q / %q, want the edited Korean copy", m.Title, m.Body)
	}
	note := row(t, h.app, poll.Id, collections.KindPollStarted).GetString("note")
	if !strings.Contains(note, "{$.circle.owner}") || !strings.Contains(note, "poll_started/en") || !strings.Contains(note, "shipped") {
		t.Fatalf("note %q does not name the placeholder", note)
	}
}

// A malformed placeholder is refused when saved (400, the field named),
// and the stored copy stays as it was.
func TestMalformedPlaceholderRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	before := h.pushCopy(collections.KindReminder1h, collections.LocaleKo)
	for _, c := range []struct{ field, value string }{
		{"title", "⏰ {$.circle.name 마감 1시간 전"},
		{"title", "{circle.name}"},
		{"title", "{}"},
		{"body", "{$.poll.question_text} }"},
		{"body", "{$.poll[1:2:3]}"},
	} {
		status, body := h.editCopy(collections.KindReminder1h, collections.LocaleKo, map[string]any{c.field: c.value})
		data, _ := body["data"].(map[string]any)
		fe, _ := data[c.field].(map[string]any)
		if status != http.StatusBadRequest || fe["code"] != "validation_push_copy_placeholder" {
			t.Fatalf("%s %q: %d %v", c.field, c.value, status, body)
		}
	}
	after := h.pushCopy(collections.KindReminder1h, collections.LocaleKo)
	if after.GetString("title") != before.GetString("title") || after.GetString("body") != before.GetString("body") {
		t.Fatalf("the copy changed: %q / %q", after.GetString("title"), after.GetString("body"))
	}
	// literal braces are written doubled
	if status, body := h.editCopy(collections.KindReminder1h, collections.LocaleKo, map[string]any{"title": "{{1시간}} 남았어요"}); status != http.StatusOK {
		t.Fatalf("doubled braces: %d %v", status, body)
	}
}

// The copy is fixed when the recipients are chosen: a resend after a crash
// sends what the first attempt sent, even when an operator edited the copy
// in between, and each recipient still gets its own locale.
func TestResendAfterCrashKeepsTheCopy(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	f := h.newCircle(3)
	h.setLocale(f, 1, collections.LocaleEn)
	now := time.Now()
	h.createPoll(f, 0, time.Hour)

	notify.SetCrashPoints(h.n, nil, crashOnce())
	runUntilCrash(t, h.n, now)
	for _, locale := range collections.Locales {
		if status, body := h.editCopy(collections.KindPollStarted, locale, map[string]any{"title": "edited " + locale}); status != http.StatusOK {
			t.Fatalf("edit: %d %v", status, body)
		}
	}
	_, n := reopen(t, h.app.DataDir(), h.cfg, h.settings)
	mustRun(t, n, now.Add(time.Minute))

	for _, i := range []int{1, 2} {
		msgs := h.expo.MessagesTo(f.push[i])
		if len(msgs) != 2 || msgs[0].Title != msgs[1].Title || msgs[0].Body != msgs[1].Body || strings.HasPrefix(msgs[0].Title, "edited") {
			t.Fatalf("user %d: %s", i, fmt.Sprint(msgs))
		}
	}
	if en, ko := h.expo.MessagesTo(f.push[1])[1].Title, h.expo.MessagesTo(f.push[2])[1].Title; !strings.HasPrefix(en, "📊 New question") || ko == en {
		t.Fatalf("resent titles: en %q, ko %q", en, ko)
	}
}
