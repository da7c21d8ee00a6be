package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	// The dashboard (API.md §12): templates.category becomes a select of
	// the shipped categories (rows kept; an unknown category moves to the
	// fallback); the outbox gets sent/failed/skipped counts, deliveries []
	// instead of null and last_error emptied where every recipient has a
	// final outcome without error; the question text is presentable, so a
	// relation to a poll or template shows it; internal fields get help
	// texts. The template and outbox rules are hooks (package dashboard).
	m.Register(func(app core.App) error {
		unknown, err := collections.UnknownTemplateCategories(app)
		if err != nil {
			return err
		}
		for id, category := range unknown {
			app.Logger().Warn("Template category is not one of the app's; moved to the fallback category",
				"template", id, "category", category, "now", collections.TemplateFallbackCategory)
		}
		if err := collections.MakeTemplateCategorySelect(app); err != nil {
			return err
		}
		err = collections.SyncFields(app, collections.NewNotifications(),
			collections.FieldNotificationSent, collections.FieldNotificationFailed, collections.FieldNotificationSkipped)
		if err != nil {
			return err
		}
		if err := collections.BackfillNotificationOutcomes(app); err != nil {
			return err
		}
		err = collections.SyncHelp(app,
			collections.NewTemplates(), collections.NewNotifications(), collections.NewPolls(),
			collections.NewOptions(), collections.NewVotes(), collections.NewMembers(),
			collections.NewCircles(), collections.NewBlocks())
		if err != nil {
			return err
		}
		return collections.SyncUsersHelp(app)
	}, func(app core.App) error {
		err := collections.DropFields(app, collections.Notifications,
			collections.FieldNotificationSent, collections.FieldNotificationFailed, collections.FieldNotificationSkipped)
		if err != nil {
			return err
		}
		// help texts and presentable flags stay: they change no behaviour
		return collections.MakeTemplateCategoryText(app)
	})
}
