package auth

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

func registerUsers(app core.App) {
	// A user may change its push token and nothing else: device_id and
	// is_active identify and govern the account, the secret hash is the
	// server's. The collection's update rule says the same for the visible
	// fields; this also covers hidden ones and anything added later.
	app.OnRecordUpdateRequest(collections.Users).BindFunc(func(e *core.RecordRequestEvent) error {
		if err := request.OnlyBodyKeys(e.RequestEvent, collections.FieldUserPushToken); err != nil {
			return err
		}
		return e.Next()
	})
}
