package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"circly/collections"
)

func init() {
	// Safety (API.md §10): the blocks collection, and circle images and
	// member avatars as protected files (a file token of a user who may
	// read the record). On a fresh database the first migration already
	// made the file fields protected from the current definitions; syncing
	// them again changes nothing.
	m.Register(func(app core.App) error {
		if err := app.Save(collections.NewBlocks()); err != nil {
			return err
		}
		if err := collections.SyncFields(app, collections.NewCircles(), collections.FieldCircleImage); err != nil {
			return err
		}
		return collections.SyncFields(app, collections.NewMembers(), collections.FieldMemberAvatar)
	}, func(app core.App) error {
		for name, field := range map[string]string{
			collections.Circles: collections.FieldCircleImage,
			collections.Members: collections.FieldMemberAvatar,
		} {
			if err := setProtected(app, name, field, false); err != nil {
				return err
			}
		}
		c, err := app.FindCollectionByNameOrId(collections.Blocks)
		if err != nil {
			return nil
		}
		return app.Delete(c)
	})
}

// setProtected sets the Protected flag of a stored file field.
func setProtected(app core.App, collection, field string, protected bool) error {
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		return err
	}
	f, ok := c.Fields.GetByName(field).(*core.FileField)
	if !ok {
		return nil
	}
	f.Protected = protected
	return app.Save(c)
}
