package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/store"
)

// longWAL returns a test app whose WAL holds more than
// store.WALRestartFrames frames, one commit each (the writer's own
// checkpoints and the minute job off, the WAL emptied first).
func longWAL(t *testing.T) *tests.TestApp {
	t.Helper()
	app := circlytest.NewTestApp(t)
	app.Cron().Stop()
	circlytest.WriterCheckpointsOff(t, app)
	if err := store.TruncateWAL(app); err != nil {
		t.Fatal(err)
	}
	if _, err := app.NonconcurrentDB().NewQuery("CREATE TABLE restart_test (x TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	insertRows(t, app, store.WALRestartFrames+200)
	return app
}

func insertRows(t *testing.T, app *tests.TestApp, n int) {
	t.Helper()
	for range n {
		if _, err := app.NonconcurrentDB().NewQuery("INSERT INTO restart_test (x) VALUES (hex(randomblob(100)))").Execute(); err != nil {
			t.Fatal(err)
		}
	}
}

// walFrames is how many frames the WAL holds now (copying what it can).
func walFrames(t *testing.T, app *tests.TestApp) int {
	t.Helper()
	frames, _, err := store.CheckpointPassive(app)
	if err != nil {
		t.Fatal(err)
	}
	return frames
}

// assertWaitsForLocks fails unless the write connection still waits 10 s
// for a lock: RestartWAL asks without a busy timeout and must put it back.
func assertWaitsForLocks(t *testing.T, app *tests.TestApp) {
	t.Helper()
	var ms int
	if err := app.NonconcurrentDB().NewQuery("PRAGMA busy_timeout").Row(&ms); err != nil {
		t.Fatal(err)
	}
	if ms != 10000 {
		t.Fatalf("the write connection's busy timeout is %d ms after RestartWAL, want 10000", ms)
	}
}

// openReader begins a read transaction on a connection of the read pool
// and reads the table: until it ends, it reads that snapshot, partly from
// the WAL. It returns the row count it saw and the connection.
func openReader(t *testing.T, app *tests.TestApp) (int, *sql.Conn) {
	t.Helper()
	ctx := context.Background()
	reader, err := app.ConcurrentDB().(*dbx.DB).DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	if _, err := reader.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := reader.QueryRowContext(ctx, "SELECT count(*) FROM restart_test").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	return rows, reader
}

// RestartWAL waits for a reader of an older snapshot to finish (holding
// writers back meanwhile), copies everything and empties the WAL at once:
// the WAL no longer grows with every commit since the last truncation, and
// nothing committed is lost. A plain copy leaves the WAL's length until a
// writer happens to find no reader in the way.
func TestRestartWALStartsTheWALOver(t *testing.T) {
	defer store.SetRestartWindow(400, 5*time.Millisecond)()
	app := longWAL(t)
	_, reader := openReader(t, app)
	insertRows(t, app, 10) // the reader's snapshot is now an older one
	if got := walFrames(t, app); got < store.WALRestartFrames {
		t.Fatalf("the WAL holds %d frames before the restart, want at least %d", got, store.WALRestartFrames)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		reader.ExecContext(context.Background(), "ROLLBACK")
	}()

	restarted, err := store.RestartWAL(app)
	if err != nil || !restarted {
		t.Fatalf("RestartWAL = %v, %v; want true, nil", restarted, err)
	}
	assertWaitsForLocks(t, app)
	if got := walFrames(t, app); got != 0 {
		t.Fatalf("the WAL holds %d frames after the restart, want 0", got)
	}
	insertRows(t, app, 1)
	var rows int
	if err := app.ConcurrentDB().NewQuery("SELECT count(*) FROM restart_test").Row(&rows); err != nil {
		t.Fatal(err)
	}
	if want := store.WALRestartFrames + 211; rows != want {
		t.Fatalf("%d rows after the restart, want %d", rows, want)
	}
}

// A reader of an older snapshot still reads pages from the WAL: RestartWAL
// gives up after a bounded wait (without error, the WAL left as it was),
// and succeeds once the reader is done.
func TestRestartWALLeavesOlderSnapshotsAlone(t *testing.T) {
	app := longWAL(t)
	ctx := context.Background()
	before, reader := openReader(t, app)
	insertRows(t, app, 10) // the reader's snapshot is now an older one

	start := time.Now()
	restarted, err := store.RestartWAL(app)
	if err != nil || restarted {
		t.Fatalf("RestartWAL beside an older snapshot = %v, %v; want false, nil", restarted, err)
	}
	if got := walFrames(t, app); got < store.WALRestartFrames {
		t.Fatalf("the WAL holds %d frames after a restart that gave up, want at least %d", got, store.WALRestartFrames)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("RestartWAL waited %s for the reader", waited)
	}
	assertWaitsForLocks(t, app)
	var still int
	if err := reader.QueryRowContext(ctx, "SELECT count(*) FROM restart_test").Scan(&still); err != nil {
		t.Fatal(err)
	}
	if still != before {
		t.Fatalf("the reader's snapshot changed from %d to %d rows", before, still)
	}

	if _, err := reader.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	restarted, err = store.RestartWAL(app)
	if err != nil || !restarted {
		t.Fatalf("RestartWAL after the reader ended = %v, %v; want true, nil", restarted, err)
	}
	if got := walFrames(t, app); got != 0 {
		t.Fatalf("the WAL holds %d frames after the restart, want 0", got)
	}
}

// The copier starts a long WAL over after its copy; without it the WAL
// keeps its length until a writer happens to find no reader in the way.
func TestWALCopierRestartsALongWAL(t *testing.T) {
	app := longWAL(t)
	c := store.NewWALCopier(app, time.Millisecond)
	defer c.Close()
	c.Committed()
	deadline := time.Now().Add(10 * time.Second)
	for walFrames(t, app) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the WAL still holds %d frames 10 s after a copy was asked for", walFrames(t, app))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
