package circlytest

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/store"
)

// WriterCheckpointsOff turns the writer's own WAL checkpoints off for the
// rest of the test (Connect's threshold comes back on cleanup): data.db
// then grows only through a copy (store.WALCopier) or a truncation.
func WriterCheckpointsOff(t testing.TB, app core.App) {
	t.Helper()
	db := app.NonconcurrentDB()
	if _, err := db.NewQuery("PRAGMA wal_autocheckpoint = 0").Execute(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.NewQuery("PRAGMA wal_autocheckpoint = " + strconv.Itoa(store.WALCheckpointFrames)).Execute()
	})
}

// DataDBSize returns the size of the app's data.db in bytes.
func DataDBSize(t testing.TB, app core.App) int64 {
	t.Helper()
	info, err := os.Stat(filepath.Join(app.DataDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// WaitForDataDBGrowth waits up to 10 s for data.db to grow past before,
// and fails the test with failure if it does not.
func WaitForDataDBGrowth(t testing.TB, app core.App, before int64, failure string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for DataDBSize(t, app) <= before {
		if time.Now().After(deadline) {
			t.Fatalf("data.db still %d bytes after 10 s: %s", before, failure)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
