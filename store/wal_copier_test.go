package store_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"circly/circlytest"
	"circly/store"
)

// The copier copies committed pages from the WAL into the database file
// once told of a commit, without the writer checkpointing: with the
// writer's own checkpoints off, data.db grows only through the copier.
func TestWALCopierCopiesCommittedPages(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	db := app.NonconcurrentDB()
	if _, err := db.NewQuery("PRAGMA wal_autocheckpoint = 0").Execute(); err != nil {
		t.Fatal(err)
	}
	defer db.NewQuery("PRAGMA wal_autocheckpoint = 1000").Execute()
	if err := store.TruncateWAL(app); err != nil {
		t.Fatal(err)
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
	size := func() int64 {
		info, err := os.Stat(dataDB)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
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
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("data.db still %d bytes: the committed pages were not copied", before)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.Close()
	c.Close() // closing twice is harmless
}

// TestWALCopierLeavesAReplicatedWAL: while a replicator takes the WAL's
// truncations (Litestream, which checkpoints after reading the frames),
// the copier copies nothing; once it is gone, the copier copies again.
func TestWALCopierLeavesAReplicatedWAL(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	db := app.NonconcurrentDB()
	if _, err := db.NewQuery("PRAGMA wal_autocheckpoint = 0").Execute(); err != nil {
		t.Fatal(err)
	}
	defer db.NewQuery("PRAGMA wal_autocheckpoint = 1000").Execute()
	if err := store.TruncateWAL(app); err != nil {
		t.Fatal(err)
	}
	store.SetWALTruncater(app, func() error { return nil })
	if _, err := db.NewQuery("CREATE TABLE copier_test (x TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if _, err := db.NewQuery("INSERT INTO copier_test (x) VALUES (hex(randomblob(500)))").Execute(); err != nil {
			t.Fatal(err)
		}
	}
	dataDB := filepath.Join(app.DataDir(), "data.db")
	size := func() int64 {
		info, err := os.Stat(dataDB)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
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
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("data.db still %d bytes after replication stopped: the copier did not copy", before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
