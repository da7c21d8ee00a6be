package store_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/store"
)

// uncopiedWAL returns a test app whose WAL holds 200 committed rows not
// yet in data.db (the writer's own checkpoints off, the WAL emptied first,
// then the replicator's truncater set when one is given).
func uncopiedWAL(t *testing.T, truncater func() error) *tests.TestApp {
	t.Helper()
	app := circlytest.NewTestApp(t)
	circlytest.WriterCheckpointsOff(t, app)
	if err := store.TruncateWAL(app); err != nil {
		t.Fatal(err)
	}
	if truncater != nil {
		store.SetWALTruncater(app, truncater)
	}
	db := app.NonconcurrentDB()
	if _, err := db.NewQuery("CREATE TABLE copier_test (x TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if _, err := db.NewQuery("INSERT INTO copier_test (x) VALUES (hex(randomblob(500)))").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// The copier copies committed pages from the WAL into the database file
// once told of a commit, without the writer checkpointing: with the
// writer's own checkpoints off, data.db grows only through the copier.
func TestWALCopierCopiesCommittedPages(t *testing.T) {
	t.Parallel()
	app := uncopiedWAL(t, nil)
	before := circlytest.DataDBSize(t, app)

	c := store.NewWALCopier(app, time.Millisecond)
	defer c.Close()
	time.Sleep(50 * time.Millisecond)
	if got := circlytest.DataDBSize(t, app); got != before {
		t.Fatalf("data.db changed from %d to %d bytes before any commit was reported", before, got)
	}
	for range 100 { // never blocks, however often it is told
		c.Committed()
	}
	circlytest.WaitForDataDBGrowth(t, app, before, "the committed pages were not copied")
	c.Close()
	c.Close() // closing twice is harmless
}

// TestWALCopierLeavesAReplicatedWAL: while a replicator takes the WAL's
// truncations (Litestream, which checkpoints after reading the frames),
// the copier copies nothing; once it is gone, the copier copies again.
func TestWALCopierLeavesAReplicatedWAL(t *testing.T) {
	t.Parallel()
	app := uncopiedWAL(t, func() error { return nil })
	before := circlytest.DataDBSize(t, app)

	c := store.NewWALCopier(app, time.Millisecond)
	defer c.Close()
	for range 20 {
		c.Committed()
		time.Sleep(10 * time.Millisecond)
	}
	if got := circlytest.DataDBSize(t, app); got != before {
		t.Fatalf("data.db changed from %d to %d bytes while the WAL was replicated", before, got)
	}

	store.SetWALTruncater(app, nil)
	c.Committed()
	circlytest.WaitForDataDBGrowth(t, app, before, "the copier did not copy after replication stopped")
}
