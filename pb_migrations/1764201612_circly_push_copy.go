package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
	"circly/seed"
)

func init() {
	// Push copy and locales (API.md §12): the push_copy collection seeded
	// with the shipped Korean and English copy, users.locale, and the
	// English copy of an outbox row (title_en, body_en). On a fresh
	// database the first migration already made the users and
	// notifications fields from the current definitions; syncing them
	// again changes nothing.
	m.Register(func(app core.App) error {
		if err := app.Save(collections.NewPushCopy()); err != nil {
			return err
		}
		if _, err := seed.LoadPushCopy(app); err != nil {
			return err
		}
		users, err := app.FindCollectionByNameOrId(collections.Users)
		if err != nil {
			return err
		}
		collections.ApplyUserLocale(users)
		if err := app.Save(users); err != nil {
			return err
		}
		return collections.SyncFields(app, collections.NewNotifications(),
			collections.FieldNotificationTitleEn, collections.FieldNotificationBodyEn)
	}, func(app core.App) error {
		if err := collections.DropFields(app, collections.Notifications,
			collections.FieldNotificationTitleEn, collections.FieldNotificationBodyEn); err != nil {
			return err
		}
		if err := collections.DropFields(app, collections.Users, collections.FieldUserLocale); err != nil {
			return err
		}
		c, err := app.FindCollectionByNameOrId(collections.PushCopy)
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}
