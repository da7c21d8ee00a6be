package migrations_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/collections"
)

const blocksMigration = "1764201609_circly_blocks_protected_files.go"

func protected(t *testing.T, app core.App, collection, field string) bool {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	return c.Fields.GetByName(field).(*core.FileField).Protected
}

// Down stands in for the schema before it: no blocks, public files. Up
// brings the blocks collection and protects the two file fields.
func TestBlocksProtectedFilesMigration(t *testing.T) {
	app := circlytest.NewTestApp(t)
	m := migration(t, blocksMigration)

	if err := m.Down(app); err != nil {
		t.Fatal(err)
	}
	if _, err := app.FindCollectionByNameOrId(collections.Blocks); err == nil {
		t.Fatal("blocks still there after down")
	}
	if protected(t, app, collections.Circles, collections.FieldCircleImage) || protected(t, app, collections.Members, collections.FieldMemberAvatar) {
		t.Fatal("files still protected after down")
	}

	if err := m.Up(app); err != nil {
		t.Fatal(err)
	}
	if _, err := app.FindCollectionByNameOrId(collections.Blocks); err != nil {
		t.Fatal(err)
	}
	if !protected(t, app, collections.Circles, collections.FieldCircleImage) || !protected(t, app, collections.Members, collections.FieldMemberAvatar) {
		t.Fatal("files not protected after up")
	}
}
