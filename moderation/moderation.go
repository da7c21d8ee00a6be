// Package moderation is Circly's reports and hiding (API.md §10): users
// report a member or a circle they share, and once enough distinct users
// have open reports on one, its nickname and avatar (or name and image)
// are hidden from users until a superuser resolves the reports in the
// dashboard.
//
// Hiding is stored, not computed on every read: members.hidden and
// circles.hidden are recomputed from the reports in the transaction of
// every report change (RefreshHidden), so the other domains read one bool
// through collections (Member.ShownNickname, Circle.ShownName, the feed and
// picks queries) without importing this package. The record API answers
// (lists, views, expands, realtime events) are masked here, in one
// OnRecordEnrich hook, and files of hidden records are refused.
package moderation

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/config"
)

// Service carries the moderation settings.
type Service struct {
	// HideAt is how many distinct users with open reports hide a target
	// (config.ReportHideAt, CIRCLY_REPORT_HIDE_AT).
	HideAt int
}

// Register binds the reports hooks, the recomputation of hidden and the
// masking of hidden members and circles to app.
func Register(app core.App, cfg config.Config) *Service {
	s := &Service{HideAt: max(cfg.ReportHideAt, 1)}

	app.OnRecordCreateRequest(collections.Reports).BindFunc(s.onReportCreateRequest)

	// every save path (record API, dashboard, Go code) recomputes hidden
	// in the transaction of the report's own write
	app.OnRecordCreate(collections.Reports).BindFunc(s.onReportChange)
	app.OnRecordUpdate(collections.Reports).BindFunc(s.onReportChange)
	app.OnRecordDelete(collections.Reports).BindFunc(s.onReportChange)

	// a new member or circle starts shown, whatever the client sent
	app.OnRecordCreate(collections.Members, collections.Circles).BindFunc(startShown)

	app.OnRecordEnrich(collections.Members, collections.Circles, collections.Options).BindFunc(maskHidden)
	app.OnFileDownloadRequest(collections.Members, collections.Circles).BindFunc(refuseHiddenFile)
	return s
}
