package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Fields of the reports collection (see NewReports).
const (
	FieldReportReporter   = "reporter"
	FieldReportTargetType = "target_type"
	FieldReportTarget     = "target"
	FieldReportReason     = "reason"
	FieldReportNote       = "note"
	FieldReportStatus     = "status"
)

// FieldHidden is members.hidden and circles.hidden (see newHiddenField).
const FieldHidden = "hidden"

var (
	_ core.Model        = (*Report)(nil)
	_ core.PreValidator = (*Report)(nil)
	_ core.RecordProxy  = (*Report)(nil)
)

// Report is a typed record of the reports collection.
type Report struct {
	*core.Record
}

// AsReport wraps a reports record (nil stays nil). The record is shared,
// not copied: setters change it.
func AsReport(r *core.Record) *Report {
	if r == nil {
		return nil
	}
	return &Report{Record: r}
}

// NewReport returns a blank, unsaved report.
func NewReport(app core.App) (*Report, error) {
	r, err := newRecord(app, Reports)
	return wrapOne(r, err, AsReport)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a reports record.
func (r *Report) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(r.Record, Reports)
}

// ProxyRecord returns the wrapped record.
func (r *Report) ProxyRecord() *core.Record { return r.Record }

// SetProxyRecord replaces the wrapped record.
func (r *Report) SetProxyRecord(rec *core.Record) { r.Record = rec }

// Reporter returns the users id of the reporter ("" once it deleted itself).
func (r *Report) Reporter() string { return r.GetString(FieldReportReporter) }

// SetReporter sets the reporter's users id.
func (r *Report) SetReporter(userId string) { r.Set(FieldReportReporter, userId) }

// TargetType returns ReportTargetMember or ReportTargetCircle.
func (r *Report) TargetType() string { return r.GetString(FieldReportTargetType) }

// SetTargetType sets what kind of record the report is about.
func (r *Report) SetTargetType(t string) { r.Set(FieldReportTargetType, t) }

// Target returns the id of the reported members or circles record.
func (r *Report) Target() string { return r.GetString(FieldReportTarget) }

// SetTarget sets the id of the reported record.
func (r *Report) SetTarget(id string) { r.Set(FieldReportTarget, id) }

// Reason returns one of ReportReasons.
func (r *Report) Reason() string { return r.GetString(FieldReportReason) }

// SetReason sets the reason.
func (r *Report) SetReason(reason string) { r.Set(FieldReportReason, reason) }

// Note returns the reporter's note.
func (r *Report) Note() string { return r.GetString(FieldReportNote) }

// SetNote sets the reporter's note.
func (r *Report) SetNote(note string) { r.Set(FieldReportNote, note) }

// Status returns ReportOpen, ReportDismissed or ReportActioned.
func (r *Report) Status() string { return r.GetString(FieldReportStatus) }

// SetStatus sets where the report stands.
func (r *Report) SetStatus(status string) { r.Set(FieldReportStatus, status) }

// Created returns when the report was made.
func (r *Report) Created() types.DateTime { return r.GetDateTime(FieldCreated) }
