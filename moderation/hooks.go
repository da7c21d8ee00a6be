package moderation

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

// reportBodyKeys are the fields a user sends with a report; reporter and
// status are the server's.
var reportBodyKeys = []string{
	collections.FieldReportTargetType, collections.FieldReportTarget,
	collections.FieldReportReason, collections.FieldReportNote,
}

// onReportCreateRequest takes a user's report (POST
// /api/collections/reports/records): only the four body keys, a valid
// record (400 with PocketBase's field errors), a target in one of the
// caller's circles (404), and one open report per reporter and target: a
// repeat answers 200 with the open report, also when two requests race
// (the partial unique index refuses the second insert).
//
// Superusers (the dashboard) create reports as they like (status open
// unless they pick one); the model hooks still recompute hiding.
func (s *Service) onReportCreateRequest(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		report := collections.AsReport(e.Record)
		if report.Status() == "" {
			report.SetStatus(collections.ReportOpen)
		}
		return e.Next()
	}
	user, err := request.RequireUser(e.RequestEvent)
	if err != nil {
		return err
	}
	if err := request.OnlyBodyKeys(e.RequestEvent, reportBodyKeys...); err != nil {
		return err
	}

	report := collections.AsReport(e.Record)
	report.SetReporter(user.Id)
	report.SetStatus(collections.ReportOpen)
	// the shape first (400), then whether the caller may report it (404)
	if err := e.App.Validate(report); err != nil {
		return e.BadRequestError("Failed to create record.", err)
	}
	if _, err := TargetCircle(e.App, user.Id, report.TargetType(), report.Target()); err != nil {
		return apiError(e.RequestEvent, err)
	}

	if existing, err := collections.FindOpenReport(e.App, user.Id, report.Target()); err != nil || existing != nil {
		return s.answerExisting(e, existing, err)
	}
	err = e.Next()
	if collections.IsUniqueViolation(err, collections.FieldReportTarget) {
		// a concurrent request of the same reporter won the race
		existing, findErr := collections.FindOpenReport(e.App, user.Id, report.Target())
		return s.answerExisting(e, existing, findErr)
	}
	return err
}

// answerExisting answers a repeated report with the open one (200).
func (s *Service) answerExisting(e *core.RecordRequestEvent, existing *collections.Report, err error) error {
	if err != nil {
		return apiError(e.RequestEvent, err)
	}
	if existing == nil {
		// the open report was resolved between the insert and the look-up
		return e.BadRequestError("The report could not be saved. Please try again.", nil)
	}
	return request.RecordResponse(e.RequestEvent, existing.Record)
}

// onReportChange runs the write of a report and, in the same transaction,
// recomputes hidden for its target (and for its former target when a
// superuser changed target or target_type).
func (s *Service) onReportChange(e *core.RecordEvent) error {
	original := e.App
	defer func() { e.App = original }()
	return e.App.RunInTransaction(func(txApp core.App) error {
		e.App = txApp
		if err := e.Next(); err != nil {
			return err
		}
		now := collections.AsReport(e.Record)
		if err := RefreshHidden(txApp, now.TargetType(), now.Target(), s.HideAt); err != nil {
			return err
		}
		if e.Record.IsNew() || e.Record.Original() == nil {
			return nil
		}
		before := collections.AsReport(e.Record.Original())
		if before.Target() == now.Target() && before.TargetType() == now.TargetType() {
			return nil
		}
		return RefreshHidden(txApp, before.TargetType(), before.Target(), s.HideAt)
	})
}

// startShown makes every new member and circle shown: hidden is the
// server's, and a new record has no reports.
func startShown(e *core.RecordEvent) error {
	e.Record.Set(collections.FieldHidden, false)
	return e.Next()
}
