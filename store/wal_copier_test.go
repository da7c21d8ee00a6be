package store_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/store"
)

// uncopiedWAL returns a test app whose WAL holds 200 committed rows not
// yet in data.db (the writer's own checkpoints off, the WAL emptied first,
// then the replicator's truncater set when one is given) and a function
// that returns data.db's size.
func uncopiedWAL(t *testing.T, truncater func() error) (*tests.TestApp, func() int64) {
	t.Helper()
	app := circlytest.NewTestApp(t)
	db := app.NonconcurrentDB()
	if _, err := db.NewQuery("PRAGMA wal_autocheckpoint = 0").Execute(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.NewQuery("PRAGMA wal_autocheckpoint = " + strconv.Itoa(store.WALCheckpointFrames)).Execute()
	})
	if err := store.TruncateWAL(app); err != nil {
		t.Fatal(err)
	}
	if truncater != nil {
		store.SetWALTruncater(app, truncater)
	}
	if _, err := db.NewQuery("CREATE TABLE copier_test (x TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if _, err := db.NewQuery("INSERT INTO copier_test (x) VALUES (hex(randomblob(500)))").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	dataDB := filepath.Join(app.DataDir(), "data.db")
	return app, func() int64 {
		info, err := os.Stat(dataDB)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
}

// waitForCopy waits up to 10 s for data.db to grow past before.
func waitForCopy(t *testing.T, size func() int64, before int64, failure string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("data.db still %d bytes: %s", before, failure)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The copier copies committed pages from the WAL into the database file
// once told of a commit, without the writer checkpointing: with the
// writer's own checkpoints off, data.db grows only through the copier.
func TestWALCopierCopiesCommittedPages(t *testing.T) {
	t.Parallel()
	app, size := uncopiedWAL(t, nil)
	before := size()

	c := store.NewWALCopier(app, time.Millisecond)
	defer c.Close()
	time.Sleep(50 * time.Millisecond)
	if got := size(); got != before {
		t.Fatalf("data.db changed from %d to %d bytes before any commit was reported", before, got)
	}
	for range 100 { // never blocks, however often it is told
		c.Committed()
	}
	waitForCopy(t, size, before, "the committed pages were not copied")
	c.Close()
	c.Close() // closing twice is harmless
}

// TestWALCopierLeavesAReplicatedWAL: while a replicator takes the WAL's
// truncations (Litestream, which checkpoints after reading the frames),
// the copier copies nothing; once it is gone, the copier copies again.
func TestWALCopierLeavesAReplicatedWAL(t *testing.T) {
	t.Parallel()
	app, size := uncopiedWAL(t, func() error { return nil })
	before := size()

	c := store.NewWALCopier(app, time.Millisecond)
	defer c.Close()
	for range 20 {
		c.Committed()
		time.Sleep(10 * time.Millisecond)
	}
	if got := size(); got != before {
		t.Fatalf("data.db changed from %d to %d bytes while the WAL was replicated", before, got)
	}

	store.SetWALTruncater(app, nil)
	c.Committed()
	waitForCopy(t, size, before, "the copier did not copy after replication stopped")
}
