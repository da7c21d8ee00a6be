// Package dashboard holds the rules for what operators do in PocketBase's
// dashboard (/_/, superusers; API.md §12) where Circly's data needs more
// than field settings:
//
//   - templates: a template created without is_active is active (the
//     dashboard's form sends no is_active until the switch is touched);
//     usage_count and seed_key belong to the server: a create by request
//     starts them at 0 and "", an update by request keeps the stored
//     values (Go code saving templates is not a request and may set them).
//   - notifications (the push outbox): rows are written by the dispatcher
//     only (through app.Save, not requests): creating or editing one by
//     request is refused; deleting one is allowed once its poll is closed
//     (a row of an open poll would be built again and sent twice).
//
// Field help texts and presentable fields are part of the schema
// (collections).
package dashboard

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// Register binds the dashboard rules to app.
func Register(app core.App) {
	app.OnRecordCreateRequest(collections.Templates).BindFunc(onTemplateCreateRequest)
	app.OnRecordUpdateRequest(collections.Templates).BindFunc(onTemplateUpdateRequest)

	app.OnRecordCreateRequest(collections.Notifications).BindFunc(refuseOutboxWrite)
	app.OnRecordUpdateRequest(collections.Notifications).BindFunc(refuseOutboxWrite)
	app.OnRecordDeleteRequest(collections.Notifications).BindFunc(onOutboxDeleteRequest)
}

func onTemplateCreateRequest(e *core.RecordRequestEvent) error {
	info, err := e.RequestInfo()
	if err != nil {
		return apiError(e.RequestEvent, err)
	}
	NewTemplateDefaults(collections.AsTemplate(e.Record), info.Body)
	return e.Next()
}

func onTemplateUpdateRequest(e *core.RecordRequestEvent) error {
	if err := KeepServerFields(e.App, collections.AsTemplate(e.Record)); err != nil {
		return apiError(e.RequestEvent, err)
	}
	return e.Next()
}

func refuseOutboxWrite(e *core.RecordRequestEvent) error {
	return apiError(e.RequestEvent, ErrOutboxReadOnly)
}

func onOutboxDeleteRequest(e *core.RecordRequestEvent) error {
	if err := CheckOutboxDelete(e.App, collections.AsNotification(e.Record)); err != nil {
		return apiError(e.RequestEvent, err)
	}
	return e.Next()
}
