package auth

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

func registerUsers(app core.App) {
	// A user may change its push token and its locale (API.md §12: ko or
	// en, which the field's select values enforce with a 400) and nothing
	// else: device_id and is_active identify and govern the account, the
	// secret hash is the server's. This covers hidden fields and anything
	// added later too.
	app.OnRecordUpdateRequest(collections.Users).BindFunc(func(e *core.RecordRequestEvent) error {
		if err := request.OnlyBodyKeys(e.RequestEvent, collections.FieldUserPushToken, collections.FieldUserLocale); err != nil {
			return err
		}
		return e.Next()
	})
}
