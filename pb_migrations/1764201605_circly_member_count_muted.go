package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	// The app's home (API.md §9, §7): circles.member_count (backfilled from
	// the active members), members.muted, and the "picked" push kind in the
	// outbox. On a fresh database the first migration already made them
	// from the current definitions; syncing them again changes nothing.
	m.Register(func(app core.App) error {
		if err := collections.SyncFields(app, collections.NewCircles(), collections.FieldCircleMemberCount); err != nil {
			return err
		}
		if err := collections.SyncFields(app, collections.NewMembers(), collections.FieldMemberMuted); err != nil {
			return err
		}
		if err := collections.SyncFields(app, collections.NewNotifications(), collections.FieldNotificationKind); err != nil {
			return err
		}
		return collections.RecountAllMembers(app)
	}, func(app core.App) error {
		if err := collections.DropFields(app, collections.Circles, collections.FieldCircleMemberCount); err != nil {
			return err
		}
		if err := collections.DropFields(app, collections.Members, collections.FieldMemberMuted); err != nil {
			return err
		}
		if err := collections.DeleteNotificationsOfKind(app, collections.KindPicked); err != nil {
			return err
		}
		outbox, err := app.FindCollectionByNameOrId(collections.Notifications)
		if err != nil {
			return err
		}
		if kind, ok := outbox.Fields.GetByName(collections.FieldNotificationKind).(*core.SelectField); ok {
			kind.Values = slices.DeleteFunc(slices.Clone(kind.Values), func(v string) bool { return v == collections.KindPicked })
		}
		return app.Save(outbox)
	})
}
