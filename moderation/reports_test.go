package moderation_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

// create is a report create by user (nil: anonymous) with body.
func create(name string, status int, user func(w *world) *core.Record, body func(w *world) map[string]any, contains ...string) scenario {
	return scenario{
		ApiScenario: tests.ApiScenario{Name: name, Method: http.MethodPost, URL: reportsURL, ExpectedStatus: status, ExpectedContent: contains},
		build: func(t testing.TB, w *world, s *tests.ApiScenario) {
			s.Body = jsonBody(body(w))
			s.Headers = map[string]string{"Content-Type": "application/json"}
			if u := user(w); u != nil {
				s.Headers = auth(t, u)
			}
		},
	}
}

func userN(i int) func(w *world) *core.Record {
	return func(w *world) *core.Record { return w.users[i] }
}

func aboutMember(i int) func(w *world) map[string]any {
	return func(w *world) map[string]any {
		return map[string]any{"target_type": "member", "target": w.members[i].Id, "reason": "harassment", "note": "닉네임이 불쾌해요"}
	}
}

func with(body func(w *world) map[string]any, key string, value any) func(w *world) map[string]any {
	return func(w *world) map[string]any {
		b := body(w)
		b[key] = value
		return b
	}
}

// noReports checks that nothing was stored.
func noReports(t testing.TB, w *world, _ *http.Response) {
	if n := countReports(t, w.app, "1=1", nil); n != 0 {
		t.Fatalf("%d reports stored", n)
	}
}

// TestReportCreate: who may report what, and what a report stores.
func TestReportCreate(t *testing.T) {
	t.Parallel()
	ok := create("a member reports another member of its circle", 200, userN(0), aboutMember(1),
		`"status":"open"`, `"target_type":"member"`, `"reason":"harassment"`)
	ok.after = func(t testing.TB, w *world, res *http.Response) {
		r, err := w.app.FindFirstRecordByFilter(collections.Reports, "target = {:t}", dbx.Params{"t": w.members[1].Id})
		if err != nil {
			t.Fatal(err)
		}
		rep := collections.AsReport(r)
		if rep.Reporter() != w.users[0].Id || rep.Status() != collections.ReportOpen || rep.Note() != "닉네임이 불쾌해요" {
			t.Fatalf("stored %v", r)
		}
	}
	circle := create("a member reports its circle", 200, userN(2), func(w *world) map[string]any {
		return map[string]any{"target_type": "circle", "target": w.circle.Id, "reason": "spam"}
	}, `"target_type":"circle"`)
	self := create("a member reports its own membership", 200, userN(1), aboutMember(1))
	formerTarget := create("a former member can be reported (old options still name it)", 200, userN(0), func(w *world) map[string]any {
		former, _ := collections.FindMembership(w.app, w.circle.Id, w.former.Id)
		return map[string]any{"target_type": "member", "target": former.Id, "reason": "other"}
	})

	refused := []scenario{
		create("a stranger cannot report a member", 404, func(w *world) *core.Record { return w.outsider }, aboutMember(1)),
		create("a former member cannot report", 404, func(w *world) *core.Record { return w.former }, aboutMember(1)),
		create("a member of another circle cannot report its circle", 404, func(w *world) *core.Record { return w.outsider }, func(w *world) map[string]any {
			return map[string]any{"target_type": "circle", "target": w.circle.Id, "reason": "spam"}
		}),
		create("a member cannot report a member of a circle it is not in", 404, userN(0), func(w *world) map[string]any {
			return map[string]any{"target_type": "member", "target": w.otherMember.Id, "reason": "spam"}
		}),
		create("unknown target", 404, userN(0), with(aboutMember(1), "target", "nosuchrecord123")),
		create("wrong target_type: a circle id as a member", 404, userN(0), func(w *world) map[string]any {
			return map[string]any{"target_type": "member", "target": w.circle.Id, "reason": "spam"}
		}),
		create("wrong target_type: a member id as a circle", 404, userN(0), func(w *world) map[string]any {
			return map[string]any{"target_type": "circle", "target": w.members[1].Id, "reason": "spam"}
		}),
		create("anonymous", 401, func(w *world) *core.Record { return nil }, aboutMember(1)),
		create("bad reason", 400, userN(0), with(aboutMember(1), "reason", "ugly"), `"reason"`),
		create("missing reason", 400, userN(0), with(aboutMember(1), "reason", ""), `"reason"`),
		create("bad target_type", 400, userN(0), with(aboutMember(1), "target_type", "user"), `"target_type"`),
		create("note too long", 400, userN(0), with(aboutMember(1), "note", strings.Repeat("가", 501)), `"note"`),
		create("status is the server's", 400, userN(0), with(aboutMember(1), "status", "dismissed"), `"status"`, `validation_field_not_writable`),
		create("reporter is the server's", 400, userN(0), func(w *world) map[string]any {
			return with(aboutMember(1), "reporter", w.users[3].Id)(w)
		}, `"reporter"`),
		create("unknown keys", 400, userN(0), with(aboutMember(1), "hidden", true), `"hidden"`),
	}
	for _, s := range refused {
		s.after = noReports
	}
	for _, s := range append([]scenario{ok, circle, self, formerTarget}, refused...) {
		s.run(t)
	}
}

// TestReportRepeatAnswersTheOpenReport: the same reporter and target while
// a report is open → 200 with that report, no second row; once it is
// resolved, a new report is a new row.
func TestReportRepeatAnswersTheOpenReport(t *testing.T) {
	t.Parallel()
	var first *collections.Report
	repeat := create("a repeated report answers the open one", 200, userN(0), with(aboutMember(1), "reason", "spam"))
	repeat.setup = func(t testing.TB, w *world) { first = w.report(t, w.users[0], "member", w.members[1].Id) }
	repeat.after = func(t testing.TB, w *world, res *http.Response) {
		var body map[string]any
		raw, _ := io.ReadAll(res.Body)
		if err := json.Unmarshal(raw, &body); err != nil || body["id"] != first.Id || body["reason"] != "harassment" {
			t.Fatalf("answer %s, want the open report %s", raw, first.Id)
		}
		if n := countReports(t, w.app, "1=1", nil); n != 1 {
			t.Fatalf("%d reports, want 1", n)
		}
	}
	again := create("after the open report was dismissed, a new report is a new row", 200, userN(0), aboutMember(1))
	again.setup = func(t testing.TB, w *world) {
		first = w.report(t, w.users[0], "member", w.members[1].Id)
		w.setStatus(t, first, collections.ReportDismissed)
	}
	again.after = func(t testing.TB, w *world, res *http.Response) {
		if n := countReports(t, w.app, "1=1", nil); n != 2 {
			t.Fatalf("%d reports, want 2", n)
		}
	}
	repeat.run(t)
	again.run(t)
}

// TestReportConcurrentDuplicates: many identical reports at once store one
// row, and every request is answered 200 with it.
func TestReportConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	w := newWorld(t, app)
	h := circlytest.Handler(t, app)
	token := circlytest.Token(t, w.users[0])
	body := map[string]any{"target_type": "member", "target": w.members[1].Id, "reason": "hate"}

	const n = 12
	ids := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := circlytest.Do(h, circlytest.Request{Method: "POST", URL: reportsURL, Token: token, Body: body})
			codes[i] = rec.Code
			var out map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			ids[i], _ = out["id"].(string)
		}()
	}
	wg.Wait()
	for i := range n {
		if codes[i] != 200 || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("request %d: %d %q (first %q)", i, codes[i], ids[i], ids[0])
		}
	}
	if c := countReports(t, app, "1=1", nil); c != 1 {
		t.Fatalf("%d rows, want 1", c)
	}
}

// TestReportReadAndResolve: reporters list and view their own reports only
// (the target and other members see none); superusers resolve and delete.
func TestReportReadAndResolve(t *testing.T) {
	t.Parallel()
	var mine, theirs *collections.Report
	setup := func(t testing.TB, w *world) {
		mine = w.report(t, w.users[0], "member", w.members[2].Id)
		theirs = w.report(t, w.users[1], "member", w.members[2].Id)
	}
	read := func(name string, status int, user func(w *world) *core.Record, url func() string, contains ...string) scenario {
		return scenario{
			ApiScenario: tests.ApiScenario{Name: name, Method: http.MethodGet, ExpectedStatus: status, ExpectedContent: contains},
			setup:       setup,
			build: func(t testing.TB, w *world, s *tests.ApiScenario) {
				s.URL = url()
				if u := user(w); u != nil {
					s.Headers = auth(t, u)
				} else {
					s.Headers = circlytest.SuperuserHeader(t, w.app)
				}
			},
		}
	}
	list := func() string { return reportsURL + "?perPage=50" }
	superuser := func(w *world) *core.Record { return nil }
	target := userN(2)

	ownList := read("a reporter lists its own reports only", 200, userN(0), list, `"totalItems":1`)
	ownList.after = func(t testing.TB, w *world, res *http.Response) {
		raw, _ := io.ReadAll(res.Body)
		if !strings.Contains(string(raw), mine.Id) || strings.Contains(string(raw), theirs.Id) {
			t.Fatalf("list %s", raw)
		}
	}
	scenarios := []scenario{
		ownList,
		read("a reporter views its own report", 200, userN(0), func() string { return reportsURL + "/" + mine.Id }, `"status":"open"`),
		read("a reporter cannot view another's report", 404, userN(0), func() string { return reportsURL + "/" + theirs.Id }),
		read("the target lists no reports about it", 200, target, list, `"totalItems":0`),
		read("the target cannot view a report about it", 404, target, func() string { return reportsURL + "/" + mine.Id }),
		read("the target cannot find reports by filter", 200, target, func() string {
			return reportsURL + "?filter=" + circlytest.Q(`target != ""`)
		}, `"totalItems":0`),
		read("another member lists nothing", 200, userN(3), list, `"totalItems":0`),
		read("a stranger lists nothing", 200, func(w *world) *core.Record { return w.outsider }, list, `"totalItems":0`),
		read("the superuser lists every report (the queue)", 200, superuser, func() string {
			return reportsURL + "?filter=" + circlytest.Q(`status="open"`)
		}, `"totalItems":2`),
	}

	write := func(name, method string, status int, user func(w *world) *core.Record, body map[string]any, after func(t testing.TB, w *world, res *http.Response)) scenario {
		return scenario{
			ApiScenario: tests.ApiScenario{Name: name, Method: method, ExpectedStatus: status},
			setup:       setup,
			build: func(t testing.TB, w *world, s *tests.ApiScenario) {
				s.URL = reportsURL + "/" + mine.Id
				if body != nil {
					s.Body = jsonBody(body)
				}
				if u := user(w); u != nil {
					s.Headers = auth(t, u)
				} else {
					s.Headers = circlytest.SuperuserHeader(t, w.app)
					s.Headers["Content-Type"] = "application/json"
				}
			},
			after: after,
		}
	}
	status := func(want string) func(t testing.TB, w *world, res *http.Response) {
		return func(t testing.TB, w *world, res *http.Response) {
			r, err := w.app.FindRecordById(collections.Reports, mine.Id)
			if err != nil {
				t.Fatal(err)
			}
			if got := collections.AsReport(r).Status(); got != want {
				t.Fatalf("status %q, want %q", got, want)
			}
		}
	}
	gone := func(t testing.TB, w *world, res *http.Response) {
		if _, err := w.app.FindRecordById(collections.Reports, mine.Id); err == nil {
			t.Fatal("the report is still there")
		}
	}
	kept := func(t testing.TB, w *world, res *http.Response) {
		if _, err := w.app.FindRecordById(collections.Reports, mine.Id); err != nil {
			t.Fatal(err)
		}
	}
	scenarios = append(scenarios,
		write("the superuser dismisses", http.MethodPatch, 200, superuser, map[string]any{"status": "dismissed"}, status(collections.ReportDismissed)),
		write("the superuser actions", http.MethodPatch, 200, superuser, map[string]any{"status": "actioned"}, status(collections.ReportActioned)),
		write("the reporter cannot resolve its report", http.MethodPatch, 403, userN(0), map[string]any{"status": "dismissed"}, status(collections.ReportOpen)),
		write("the target cannot resolve it", http.MethodPatch, 403, target, map[string]any{"status": "dismissed"}, status(collections.ReportOpen)),
		write("the superuser deletes", http.MethodDelete, 204, superuser, nil, gone),
		write("the reporter cannot delete", http.MethodDelete, 403, userN(0), nil, kept),
		write("the target cannot delete", http.MethodDelete, 403, target, nil, kept),
	)
	for _, s := range scenarios {
		s.run(t)
	}
}

// TestReportersCanDeleteTheirAccounts: reporters who delete their accounts
// leave their reports in the queue (reporter emptied), however many of them
// reported the same target.
func TestReportersCanDeleteTheirAccounts(t *testing.T) {
	t.Parallel()
	w := newWorld(t, circlytest.NewTestApp(t))
	for i := 0; i < 3; i++ {
		w.report(t, w.users[i], "member", w.members[3].Id)
	}
	for i := 0; i < 3; i++ {
		if err := w.app.Delete(w.users[i]); err != nil {
			t.Fatalf("deleting reporter %d: %v", i, err)
		}
	}
	if n := countReports(t, w.app, "reporter = ''", nil); n != 3 {
		t.Fatalf("%d reports left without a reporter, want 3 (kept in the queue)", n)
	}
}
