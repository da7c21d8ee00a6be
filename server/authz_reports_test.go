package server_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/collections"
)

const matrixReportKey = "matrix.report"

// matrixReport is the reports row of the authorization matrix: member's
// open report of member2, made the first time a world asks for it (the
// matrix world itself stays as it is).
func matrixReport(w *matrixWorld) *core.Record {
	if r, ok := w.app.Store().Get(matrixReportKey).(*core.Record); ok {
		return r
	}
	r, err := collections.NewReport(w.app)
	if err != nil {
		panic(err)
	}
	r.SetReporter(w.users[roleMember].Id)
	r.SetTargetType(collections.ReportTargetMember)
	r.SetTarget(w.members["member2"].Id)
	r.SetReason(collections.ReasonHarassment)
	r.SetStatus(collections.ReportOpen)
	if err := w.app.Save(r); err != nil {
		panic(err)
	}
	w.app.Store().Set(matrixReportKey, r.Record)
	return r.Record
}

// TestReportsNeverRevealTheReporter: whatever a role asks of the reports
// collection — list, filter by target or reporter, view, expand — only the
// reporter and superusers get the report; the reported member, the other
// members and everyone else learn neither who reported nor that anyone did.
func TestReportsNeverRevealTheReporter(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	h := circlytest.Handler(t, w.app)
	report := matrixReport(w)
	target := w.members["member2"].Id
	reporter := w.users[roleMember].Id

	w.tokens["member2"] = circlytest.Token(t, w.users["member2"])
	readers := []string{roleMember, roleSuperuser}
	base := "/api/collections/reports/records"
	queries := []string{
		base + "?perPage=500",
		base + "?filter=" + url.QueryEscape(`target="`+target+`"`),
		base + "?filter=" + url.QueryEscape(`reporter="`+reporter+`"`),
		base + "?filter=" + url.QueryEscape(`reporter.id != ""`),
		base + "?expand=reporter",
	}
	for _, role := range append(slices.Clone(allRoles), "member2") {
		for _, q := range queries {
			status, body := call(t, h, "GET", q, w.tokens[role], nil)
			sees := status == 200 && body["totalItems"].(float64) > 0
			if sees != slices.Contains(readers, role) || status >= 500 {
				t.Errorf("%s as %s: %d %v", q, role, status, body)
			}
		}
		status, _ := call(t, h, "GET", base+"/"+report.Id, w.tokens[role], nil)
		if (status == 200) != slices.Contains(readers, role) {
			t.Errorf("view as %s: %d", role, status)
		}
	}

	// the reported member's own record and the members list say nothing
	// about reports (hidden appears only at the threshold, without names)
	status, body := call(t, h, "GET", "/api/collections/members/records/"+target, w.tokens["member2"], nil)
	if status != 200 || body["hidden"] != false {
		t.Fatalf("member2's record: %d %v", status, body)
	}
	for k := range body {
		if k == collections.FieldReportReporter || k == "reports_via_target" {
			t.Fatalf("member2's record names reports: %v", body)
		}
	}
}
