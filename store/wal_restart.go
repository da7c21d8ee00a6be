package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// WALRestartFrames is the WAL size, in frames, from which the WAL copier
// also starts the WAL over (RestartWAL) after a copy.
//
// Why: a copy moves pages into the database file but leaves the WAL's
// length alone; only a writer that begins when everything is copied, while
// no reader still reads an older snapshot from the WAL, starts it over
// from its first frame. Under a stream of votes some read was always
// running (then each vote's check too), so the WAL kept growing past
// WALCheckpointFrames (then 4,000 frames), and from then on every commit
// of the ballot box ran a checkpoint of its own and synced both files
// while the queued ballots waited: 2–11 ms per sync in an execution trace,
// and the WAL 7,700–10,700 frames long during a benchmark round
// (BENCHMARKS.md, "The WAL starts over"). With a copy every 50 ms the
// WAL mostly starts over by itself (a copy finds it short enough to copy
// whole, and the next writer finds no reader in the way): a restart costs
// the writer two syncs, so the copier asks for one only once the WAL is
// 4,000 frames (16 MB with 4 KiB pages) long, a quarter of
// WALCheckpointFrames (2 restarts in a benchmark run; 60 with copies every
// 200 ms and restarts from 1,000 frames).
const WALRestartFrames = 4000

// restartTries bounds how often RestartWAL asks, and restartWait is the
// pause between two asks, in which the readers of older snapshots finish
// (a reader that begins once everything is copied reads the database
// file and does not hold the restart up): at most 2 ms in all, during
// which writers wait.
var (
	restartTries = 8
	restartWait  = 250 * time.Microsecond
)

// RestartWAL copies what is left in the WAL into the database file and
// waits until no reader still reads from the WAL (SQLite's RESTART
// checkpoint), so that the next commit writes the WAL from its first frame
// again. It reports whether it did; while readers of older snapshots
// remain after restartTries asks it gives up, having copied what it could
// (as a PASSIVE checkpoint does), the WAL's length as it was.
//
// RESTART rather than TRUNCATE: emptying the file as well makes the
// commits after it grow the file again, and in alternated runs the votes
// had the longer tail for it (BENCHMARKS.md, "The WAL starts over"). The
// minute job still truncates the file (TruncateWAL).
//
// It holds the app's only write connection throughout, so writers wait
// for it in Go (database/sql's pool) rather than in SQLite, and it asks
// without SQLite's busy timeout: SQLite's busy handler sleeps in a system
// call that keeps the Go scheduler's processor, and on one CPU the
// readers it waits for could not run until the runtime took the processor
// back (10–20 ms). It waits between asks with time.Sleep instead.
func RestartWAL(app core.App) (bool, error) {
	db, ok := app.NonconcurrentDB().(*dbx.DB)
	if !ok {
		return false, errors.New("circly: the write connection is not a *dbx.DB")
	}
	ctx := context.Background()
	conn, err := db.DB().Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return false, err
	}
	defer func() {
		if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.Itoa(busyTimeoutMs)); err != nil {
			// never hand back a connection that does not wait for locks
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	for try := range restartTries {
		if try > 0 {
			time.Sleep(restartWait)
		}
		var busy, frames, copied int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &frames, &copied); err != nil {
			return false, err
		}
		if busy == 0 {
			return true, nil
		}
	}
	return false, nil
}
