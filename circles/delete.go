package circles

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// onCircleDeleteRequest makes a creator's delete a soft delete: the circle
// becomes inactive and every membership in it ends, so its polls, options
// and results stay in the database (history, counts) but no rule lets
// anyone see or use the circle any more, and its invite stops working.
// The answer is the usual 204. Only the creator may: the delete rule lets
// every active member here, and the others get a 403.
//
// Superusers (the dashboard) delete for real; relations cascade to the
// circle's members, polls, options and votes.
func onCircleDeleteRequest(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	if err := requireCreator(e, "delete the circle"); err != nil {
		return err
	}
	if err := DeactivateCircle(e.App, e.Record.Id); err != nil {
		return apiError(e.RequestEvent, err)
	}
	return e.NoContent(http.StatusNoContent)
}

// DeactivateCircle sets a circle inactive and ends all its memberships, in
// one transaction (the soft delete of circles).
func DeactivateCircle(app core.App, circleId string) error {
	return app.RunInTransaction(func(txApp core.App) error {
		if err := lockCircle(txApp, circleId); err != nil {
			return err
		}
		circle, err := collections.FindCircle(txApp, circleId)
		if err != nil {
			return err
		}
		members, err := collections.ActiveMembers(txApp, circleId)
		if err != nil {
			return err
		}
		for _, m := range members {
			m.SetActive(false)
			if err := txApp.Save(m); err != nil {
				return err
			}
		}
		circle.SetActive(false)
		return txApp.Save(circle)
	})
}
