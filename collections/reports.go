package collections

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// What a report is about (reports.target_type).
const (
	ReportTargetMember = "member"
	ReportTargetCircle = "circle"
)

// ReportTargetTypes lists the values of reports.target_type.
var ReportTargetTypes = []string{ReportTargetMember, ReportTargetCircle}

// Why a report was made (reports.reason).
const (
	ReasonHarassment = "harassment"
	ReasonHate       = "hate"
	ReasonSexual     = "sexual"
	ReasonSpam       = "spam"
	ReasonSelfHarm   = "self_harm"
	ReasonOther      = "other"
)

// ReportReasons lists the values of reports.reason.
var ReportReasons = []string{ReasonHarassment, ReasonHate, ReasonSexual, ReasonSpam, ReasonSelfHarm, ReasonOther}

// Where a report stands (reports.status). A new report is open; a
// superuser resolves it in the dashboard as dismissed (nothing wrong: the
// target is shown again once fewer than the hiding threshold of open
// reports remain) or actioned (the target stays hidden for good).
const (
	ReportOpen      = "open"
	ReportDismissed = "dismissed"
	ReportActioned  = "actioned"
)

// ReportStatuses lists the values of reports.status.
var ReportStatuses = []string{ReportOpen, ReportDismissed, ReportActioned}

// ReportNoteMax is the longest note a reporter may add.
const ReportNoteMax = 500

// Texts shown instead of a hidden member's nickname and a hidden circle's
// name (API.md §10).
const (
	HiddenMemberNickname = "숨겨진 멤버"
	HiddenCircleName     = "숨겨진 서클"
)

// NewReports defines the reports collection (API.md §10): a user's report
// of a member or a circle it shares, and the moderation queue of the
// dashboard.
//
// Users create reports through the record API (the moderation package's
// create hook checks the target and fills reporter and status) and list and
// view their own only: the target and the other members never learn who
// reported, or that anyone did. Only superusers update (resolve) and delete
// them. The partial unique index keeps one open report per reporter and
// target, also under concurrent requests.
func NewReports() *core.Collection {
	c := core.NewBaseCollection(Reports, ReportsId)

	c.Fields.Add(&core.RelationField{Name: FieldReportReporter, CollectionId: UsersId, MaxSelect: 1,
		Help: "The user who reported (set by the server). Never shown to the target or to other members."})
	c.Fields.Add(&core.SelectField{Name: FieldReportTargetType, Required: true, MaxSelect: 1, Presentable: true,
		Values: slices.Clone(ReportTargetTypes),
		Help:   "member: a membership (nickname, avatar); circle: a circle (name, image)."})
	c.Fields.Add(&core.TextField{Name: FieldReportTarget, Required: true, Min: 1, Max: 100, Presentable: true,
		Help: "Id of the reported members or circles record (see target_type). Open it under Collections → members / circles."})
	c.Fields.Add(&core.SelectField{Name: FieldReportReason, Required: true, MaxSelect: 1, Presentable: true,
		Values: slices.Clone(ReportReasons)})
	c.Fields.Add(&core.TextField{Name: FieldReportNote, Max: ReportNoteMax,
		Help: "The reporter's own words (optional)."})
	c.Fields.Add(&core.SelectField{Name: FieldReportStatus, Required: true, MaxSelect: 1, Presentable: true,
		Values: slices.Clone(ReportStatuses),
		Help: "open: waiting. dismissed: nothing wrong, the target is shown again (unless other open reports still reach the threshold). " +
			"actioned: the report was right, the target stays hidden while any actioned report of it exists."})
	autodates(c)

	c.ListRule = ptr(signedInUser + ` && ` + FieldReportReporter + ` = @request.auth.id`)
	c.ViewRule = ptr(signedInUser + ` && ` + FieldReportReporter + ` = @request.auth.id`)
	c.CreateRule = ptr(signedInUser)
	c.UpdateRule = nil
	c.DeleteRule = nil

	// reports whose reporter deleted its account keep reporter = '' and
	// stay in the queue: they are outside the index, or the second such
	// account deletion would collide with the first
	c.AddIndex("idx_reports_open_reporter_target", true, FieldReportReporter+", "+FieldReportTarget,
		FieldReportStatus+" = '"+ReportOpen+"' AND "+FieldReportReporter+" != ''")
	c.AddIndex("idx_reports_target_status", false, FieldReportTarget+", "+FieldReportStatus, "")
	c.AddIndex("idx_reports_status_created", false, FieldReportStatus+", created", "")

	return c
}

// newHiddenField is members.hidden and circles.hidden: true while reports
// hide the record's name and picture from users (API.md §10). Only the
// server writes it (the moderation package, from the reports).
func newHiddenField(help string) *core.BoolField {
	return &core.BoolField{Name: FieldHidden, Help: help}
}
