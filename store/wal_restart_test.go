package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/store"
)

// emptyWAL returns a test app with an empty table restart_test and an
// empty WAL (the writer's own checkpoints off; no test app's scheduler
// runs the minute job).
func emptyWAL(t *testing.T) *tests.TestApp {
	t.Helper()
	app := circlytest.NewTestApp(t)
	circlytest.WriterCheckpointsOff(t, app)
	if _, err := app.NonconcurrentDB().NewQuery("CREATE TABLE restart_test (x TEXT)").Execute(); err != nil {
		t.Fatal(err)
	}
	if err := store.TruncateWAL(app); err != nil {
		t.Fatal(err)
	}
	return app
}

// longWAL is emptyWAL with more than store.WALRestartFrames frames in
// the WAL, one commit each.
func longWAL(t *testing.T) *tests.TestApp {
	t.Helper()
	app := emptyWAL(t)
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

// assertWaitsForLocks fails unless the write connection still waits
// store.BusyTimeoutMs (10 s) for a lock: RestartWAL asks without a busy
// timeout and must put it back.
func assertWaitsForLocks(t *testing.T, app *tests.TestApp) {
	t.Helper()
	var ms int
	if err := app.NonconcurrentDB().NewQuery("PRAGMA busy_timeout").Row(&ms); err != nil {
		t.Fatal(err)
	}
	if ms != store.BusyTimeoutMs {
		t.Fatalf("the write connection's busy timeout is %d ms after RestartWAL, want %d", ms, store.BusyTimeoutMs)
	}
}

// beginRead begins a read transaction on a connection of the read pool
// and runs count, a count of rows: until it ends, the connection reads
// that snapshot, partly from the WAL. It returns the count and the
// connection.
func beginRead(app *tests.TestApp, count string) (int, *sql.Conn, error) {
	ctx := context.Background()
	conn, err := app.ConcurrentDB().(*dbx.DB).DB().Conn(ctx)
	if err != nil {
		return 0, nil, err
	}
	var rows int
	if _, err = conn.ExecContext(ctx, "BEGIN"); err == nil {
		err = conn.QueryRowContext(ctx, count).Scan(&rows)
	}
	if err != nil {
		conn.Close()
		return 0, nil, err
	}
	return rows, conn, nil
}

// openReader is beginRead of the whole table for the test's own
// goroutine; the connection is closed when the test ends.
func openReader(t *testing.T, app *tests.TestApp) (int, *sql.Conn) {
	t.Helper()
	rows, reader, err := beginRead(app, "SELECT count(*) FROM restart_test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	return rows, reader
}

// RestartWAL waits for a reader of an older snapshot to finish (holding
// writers back meanwhile) and copies everything, so that the next commit
// writes the WAL from its first frame: the WAL no longer grows with every
// commit since the last truncation, and nothing committed is lost. Without
// the wait, the commit would find the reader still there and append.
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
	insertRows(t, app, 1)
	if got := walFrames(t, app); got > 10 {
		t.Fatalf("the WAL holds %d frames after a restart and one commit, want a few", got)
	}
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
	insertRows(t, app, 1)
	if got := walFrames(t, app); got > 10 {
		t.Fatalf("the WAL holds %d frames after a restart and one commit, want a few", got)
	}
}

// walFileFrames is the WAL file's length in frames: the most frames the
// WAL held since the file was last truncated (a restart writes over it
// from the start).
func walFileFrames(t *testing.T, app *tests.TestApp) int64 {
	t.Helper()
	info, err := os.Stat(filepath.Join(app.DataDir(), "data.db-wal"))
	if err != nil {
		t.Fatal(err)
	}
	return info.Size() / (4096 + 24)
}

// readAWhile reads a row in a read transaction that lasts half a
// millisecond, as a vote check does on a busy server.
func readAWhile(app *tests.TestApp) {
	_, conn, err := beginRead(app, "SELECT count(*) FROM restart_test WHERE rowid = 1")
	if err != nil {
		return
	}
	defer conn.Close()
	time.Sleep(500 * time.Microsecond)
	conn.ExecContext(context.Background(), "COMMIT")
}

// Beside a stream of short reads (as vote checks are) a writer seldom
// finds no reader in the way, and the WAL grows with every commit; the
// copier's restarts keep it short.
func TestWALCopierRestartsTheWALBesideReaders(t *testing.T) {
	app := emptyWAL(t)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				readAWhile(app)
			}
		})
	}
	c := store.NewWALCopier(app, 5*time.Millisecond)
	for range 4 * store.WALRestartFrames {
		insertRows(t, app, 1)
		c.Committed()
	}
	c.Close()
	close(stop)
	readers.Wait()
	if got, most := walFileFrames(t, app), int64(3*store.WALRestartFrames); got > most {
		t.Fatalf("the WAL grew to %d frames over %d commits, want at most %d", got, 4*store.WALRestartFrames, most)
	}
}
