package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindOpenReport returns reporter's open report of target, or nil. There is
// at most one (idx_reports_open_reporter_target).
func FindOpenReport(app core.App, reporterId, targetId string) (*Report, error) {
	r, err := app.FindFirstRecordByFilter(Reports,
		FieldReportReporter+" = {:reporter} && "+FieldReportTarget+" = {:target} && "+FieldReportStatus+" = {:open}",
		dbx.Params{"reporter": reporterId, "target": targetId, "open": ReportOpen})
	return wrapOptional(r, err, AsReport)
}

// ReportStanding returns, for one target (targetType and id), how many
// distinct users have an open report of it and whether any report of it
// was actioned. One query over idx_reports_target_status.
func ReportStanding(app core.App, targetType, targetId string) (openReporters int, actioned bool, err error) {
	var row struct {
		Open     int  `db:"open_reporters"`
		Actioned bool `db:"actioned"`
	}
	err = app.DB().NewQuery(`SELECT
			count(DISTINCT CASE WHEN [[status]] = {:open} AND [[reporter]] != '' THEN [[reporter]] END) AS [[open_reporters]],
			COALESCE(max([[status]] = {:actioned}), 0) AS [[actioned]]
		FROM {{reports}} WHERE [[target]] = {:target} AND [[target_type]] = {:type}`).
		Bind(dbx.Params{"open": ReportOpen, "actioned": ReportActioned, "target": targetId, "type": targetType}).
		One(&row)
	return row.Open, row.Actioned, err
}

// HiddenMembers returns which of the given memberships are hidden (only
// the hidden ones are in the map), in one query.
func HiddenMembers(app core.App, memberIds []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(memberIds) == 0 {
		return out, nil
	}
	list, params := inList("m", memberIds)
	var ids []string
	err := app.DB().NewQuery("SELECT [[id]] FROM {{members}} WHERE [[hidden]] = TRUE AND [[id]] IN (" + list + ")").
		Bind(params).Column(&ids)
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}
