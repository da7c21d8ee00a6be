package store

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// WALCopier copies committed WAL frames into the database file from a
// connection of the read pool, beside the writer (PASSIVE checkpoints), at
// most once per its interval and only after it was told of a commit
// (Committed): the ballot box tells it of its commits and of every other
// record saved or deleted.
//
// Why: SQLite checkpoints on the committing connection once the WAL holds
// wal_autocheckpoint pages (1,000 by default, WALCheckpointFrames here):
// that commit copies every page written since the last checkpoint, and
// syncs both files, before the writer can begin its next transaction.
// Under a stream of votes that was a 20–40 ms stall of the ballot box
// every few commits, which every ballot queued behind it waited out. With
// the copier the writer seldom reaches its own threshold, and the WAL
// still restarts from its beginning once everything in it is copied. A
// copy writes each page once however many commits changed it since the
// last copy, so fewer, larger copies write less (see the ballot box's
// walCopyInterval). A PASSIVE checkpoint never waits for a lock and never
// restarts the WAL, so it cannot hold up a writer or a reader, nor copy a
// frame a replicator has not seen (it only copies into the database file
// what the WAL holds). Once the WAL is WALRestartFrames long, it also
// starts it over (RestartWAL).
//
// Under replication (WALReplicated) it copies nothing: Litestream reads
// every frame before it checkpoints, so it takes the checkpoints itself,
// after each sync, and holds a read transaction in between (the replica
// hooks turn the writer's own checkpoints off for the same reason). A copy
// from here could copy nothing past that read transaction, and could only
// make one of Litestream's checkpoints busy.
type WALCopier struct {
	app      core.App
	interval time.Duration
	kick     chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// NewWALCopier starts a copier for app's database.
func NewWALCopier(app core.App, interval time.Duration) *WALCopier {
	c := &WALCopier{app: app, interval: interval, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// Committed tells the copier that a transaction committed; it never blocks.
func (c *WALCopier) Committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Close stops the copier, waiting for a copy in progress.
func (c *WALCopier) Close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	<-c.done
}

func (c *WALCopier) run() {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		// the outcome does not matter: a failed or partial copy leaves the
		// frames to the next one, or to the writer's own checkpoint
		if !WALReplicated(c.app) {
			if frames, _, err := CheckpointPassive(c.app); err == nil && frames >= WALRestartFrames {
				_, _ = RestartWAL(c.app)
			}
		}
		select {
		case <-c.stop:
			return
		case <-time.After(c.interval):
		}
	}
}

// CheckpointPassive runs a PASSIVE checkpoint from the read pool and
// returns how many frames the WAL holds and how many of them are now in the
// database file.
func CheckpointPassive(app core.App) (walFrames, copied int, err error) {
	var busy int
	err = app.ConcurrentDB().NewQuery("PRAGMA wal_checkpoint(PASSIVE)").Row(&busy, &walFrames, &copied)
	return walFrames, copied, err
}
