package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

// TestAnotherWriterDoesNotFailATransaction: a transaction that reads first
// and writes later must not fail because another connection (Litestream's
// bookkeeping, a circly command beside the server) wrote in between. With
// deferred transactions its first write fails with SQLITE_BUSY_SNAPSHOT.
func TestAnotherWriterDoesNotFailATransaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data.db")
	db, err := Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.NewQuery("CREATE TABLE things (x INTEGER)").Execute(); err != nil {
		t.Fatal(err)
	}
	other, err := Connect(path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	otherDone := make(chan error, 1)
	err = db.Transactional(func(tx *dbx.Tx) error {
		var n int
		if err := tx.NewQuery("SELECT COUNT(*) FROM things").Row(&n); err != nil {
			return err
		}
		go func() {
			_, err := other.NewQuery("INSERT INTO things (x) VALUES (2)").Execute()
			otherDone <- err
		}()
		// let the other connection write now if it can (it cannot while
		// this transaction holds the write lock)
		select {
		case err := <-otherDone:
			otherDone <- err
		case <-time.After(300 * time.Millisecond):
		}
		_, err := tx.NewQuery("INSERT INTO things (x) VALUES (1)").Execute()
		return err
	})
	if err != nil {
		t.Fatalf("the transaction failed because another connection wrote: %v", err)
	}
	if err := <-otherDone; err != nil {
		t.Fatalf("the other connection's write failed: %v", err)
	}
	var n int
	if err := db.NewQuery("SELECT COUNT(*) FROM things").Row(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("rows = %d, want 2 (both writes kept)", n)
	}
}

// TestConnectSetsTheCheckpointThreshold: connections opened by Connect
// checkpoint on commit only from WALCheckpointFrames frames on (SQLite's
// default is 1,000), leaving the copying to the WAL copier.
func TestConnectSetsTheCheckpointThreshold(t *testing.T) {
	db, err := Connect(filepath.Join(t.TempDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var frames int
	if err := db.NewQuery("PRAGMA wal_autocheckpoint").Row(&frames); err != nil {
		t.Fatal(err)
	}
	if frames != WALCheckpointFrames || frames == 1000 {
		t.Fatalf("wal_autocheckpoint = %d, want %d", frames, WALCheckpointFrames)
	}
}
