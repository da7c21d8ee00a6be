package polls

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// announce sends a committed record's current state to realtime
// subscribers through the hook PocketBase runs after a save, so the
// collection's list/view rules decide who receives it. When no realtime
// client subscribes to the record or its collection there is nobody to
// tell, and the record is not even loaded.
func (s *Service) announce(app core.App, ctx context.Context, collection, id string) {
	if !hasSubscribers(app, collection, id) {
		return
	}
	record, err := app.FindRecordById(collection, id)
	if err != nil {
		app.Logger().Warn("Realtime announce: record not found", "collection", collection, "id", id)
		return
	}
	event := &core.ModelEvent{App: app, Context: ctx, Type: core.ModelEventTypeUpdate}
	event.Model = record
	if err := app.OnModelAfterUpdateSuccess().Trigger(event); err != nil {
		app.Logger().Warn("Realtime announce failed", "collection", collection, "id", id, "error", err.Error())
	}
}

// hasSubscribers reports whether any realtime client subscribes to the
// record (by collection name or id) or to its whole collection: the topics
// PocketBase's own broadcast of a record update looks for. A false answer
// means that broadcast would send nothing.
func hasSubscribers(app core.App, collection, id string) bool {
	broker := app.SubscriptionsBroker()
	if broker.TotalClients() == 0 {
		return false
	}
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return true // let the broadcast decide
	}
	prefixes := []string{
		c.Name + "/" + id + "?", c.Id + "/" + id + "?",
		c.Name + "/*?", c.Id + "/*?",
		c.Name + "?", c.Id + "?", // PocketBase's older topic form
	}
	for _, client := range broker.Clients() {
		if len(client.Subscriptions(prefixes...)) > 0 {
			return true
		}
	}
	return false
}
