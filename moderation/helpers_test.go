package moderation_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

const reportsURL = "/api/collections/reports/records"

// world is a circle C of five members (users[0] made it), an outsider, a
// former member of C (left) and a circle D of the outsider.
type world struct {
	app              *tests.TestApp
	circle, other    *core.Record
	users, members   []*core.Record
	outsider, former *core.Record
	otherMember      *core.Record // the outsider's membership of D
}

func newWorld(t testing.TB, app *tests.TestApp) *world {
	t.Helper()
	app.Settings().RateLimits.Enabled = false
	w := &world{app: app}
	w.circle, w.users, w.members = circlytest.CircleWithMembers(t, app, 5)
	w.outsider = circlytest.CreateUser(t, app)
	w.other, w.otherMember = circlytest.CreateCircle(t, app, w.outsider, "outsider")
	w.former = circlytest.CreateUser(t, app)
	m := collections.AsMember(circlytest.AddMember(t, app, w.circle, w.former, "former"))
	m.SetActive(false)
	if err := app.Save(m); err != nil {
		t.Fatal(err)
	}
	return w
}

// report saves an open report of user about a target from Go (as the
// create hook would), returning it.
func (w *world) report(t testing.TB, user *core.Record, targetType, target string) *collections.Report {
	t.Helper()
	r, err := collections.NewReport(w.app)
	if err != nil {
		t.Fatal(err)
	}
	r.SetReporter(user.Id)
	r.SetTargetType(targetType)
	r.SetTarget(target)
	r.SetReason(collections.ReasonHarassment)
	r.SetStatus(collections.ReportOpen)
	if err := w.app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// setStatus resolves a report as a superuser would in the dashboard.
func (w *world) setStatus(t testing.TB, r *collections.Report, status string) {
	t.Helper()
	fresh, err := w.app.FindRecordById(collections.Reports, r.Id)
	if err != nil {
		t.Fatal(err)
	}
	collections.AsReport(fresh).SetStatus(status)
	if err := w.app.Save(fresh); err != nil {
		t.Fatal(err)
	}
}

func (w *world) memberHidden(t testing.TB, id string) bool {
	t.Helper()
	m, err := collections.FindMember(w.app, id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Hidden()
}

func (w *world) circleHidden(t testing.TB, id string) bool {
	t.Helper()
	c, err := collections.FindCircle(w.app, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.Hidden()
}

func countReports(t testing.TB, app core.App, filter string, params dbx.Params) int {
	t.Helper()
	n, err := app.CountRecords(collections.Reports, dbx.NewExp(filter, params))
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// scenario is an ApiScenario over a fresh world: build fills in what needs
// the world's ids (URL, headers, body) once the app exists, after may
// check the database afterwards.
type scenario struct {
	tests.ApiScenario
	setup func(t testing.TB, w *world)
	build func(t testing.TB, w *world, s *tests.ApiScenario)
	after func(t testing.TB, w *world, res *http.Response)
}

func (s scenario) run(t *testing.T) {
	t.Helper()
	var w *world
	sc := s.ApiScenario
	if len(sc.ExpectedContent) == 0 && sc.ExpectedStatus != http.StatusNoContent {
		if sc.ExpectedStatus >= 400 {
			sc.ExpectedContent = []string{fmt.Sprintf(`"status":%d`, sc.ExpectedStatus)}
		} else {
			sc.ExpectedContent = []string{`"id":"`}
		}
	}
	sc.TestAppFactory = func(t testing.TB) *tests.TestApp {
		app := circlytest.NewTestApp(t)
		w = newWorld(t, app)
		if s.setup != nil {
			s.setup(t, w)
		}
		s.build(t, w, &sc)
		return app
	}
	// NewTestApp cleans the app up with the test
	sc.DisableTestAppCleanup = true
	if s.after != nil {
		sc.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) { s.after(t, w, res) }
	}
	sc.Test(t)
}

func jsonBody(v any) *bytes.Reader {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return bytes.NewReader(raw)
}

func auth(t testing.TB, u *core.Record) map[string]string {
	return map[string]string{"Authorization": circlytest.Token(t, u), "Content-Type": "application/json"}
}
