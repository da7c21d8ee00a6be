// Package store opens Circly's SQLite databases and holds the two storage
// rules the anonymity promise relies on: deleted bytes are overwritten
// (secure_delete) and the WAL can be emptied on demand.
package store

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// pragmas are PocketBase's own connection settings (core.DefaultDBConnect)
// plus secure_delete, immediate transactions and the WAL size at which the
// committing connection checkpoints (WALCheckpointFrames).
var pragmas = "?_pragma=busy_timeout(" + strconv.Itoa(busyTimeoutMs) + ")&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
	"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)" +
	"&_pragma=secure_delete(ON)&_pragma=wal_autocheckpoint(" + strconv.Itoa(WALCheckpointFrames) + ")&_defensive=1&_txlock=immediate"

// busyTimeoutMs is how long a connection waits for a lock before SQLite
// answers SQLITE_BUSY (PocketBase's own setting).
const busyTimeoutMs = 10000

// WALCheckpointFrames is the WAL size, in frames (pages), from which every
// commit also runs a checkpoint on the committing connection (SQLite's
// wal_autocheckpoint; its default is 1,000).
//
// Why: the WAL copier (WALCopier) copies committed frames beside the
// writer at its own pace; the writer's checkpoint is only the fallback for
// when the copier falls behind or is not running. At 1,000 the WAL reached
// the threshold between two of the copier's runs under a stream of votes,
// and from then on every commit of the ballot box copied pages and synced
// both files while the queued ballots waited (batches of 20–25 ms instead
// of 4–6). At 4,000 frames a copier that ran late still left the WAL
// past it now and then, and the commit that found it so took 40–45 ms;
// 16,000 frames (64 MB of WAL with 4 KiB pages) is four times the length
// from which the copier starts the WAL over (WALRestartFrames), so the
// writer's checkpoint is left to a copier that cannot keep up. The minute
// job still empties the WAL every minute (TruncateWAL).
const WALCheckpointFrames = 16000

// ReadConns is how many connections the app's read pool keeps, open and
// idle alike (pass it as DataMaxOpenConns and DataMaxIdleConns).
//
// Why: PocketBase opens up to 120 but keeps only 15 idle, so under more
// than 15 concurrent requests every connection released past 15 is closed
// and a later read opens a new one. Opening a SQLite connection reads and
// parses the whole schema and drops the statements prepared on it: at 64
// concurrent voters that was 8 % of the server's CPU. Idle connections
// still close after PocketBase's three idle minutes.
const ReadConns = core.DefaultDataMaxOpenConns

// Connect opens Circly's SQLite databases (pass it as PocketBase's
// DBConnect). It is PocketBase's default connection with secure_delete on.
//
// Why: closing a poll deletes its vote-key salt and rewrites its vote rows.
// With secure_delete off, SQLite only unlinks deleted cells: the salt and
// the old (option, voter_hash) pairs would stay readable in the page's free
// space and on free pages, and anyone holding circly.key could link every
// vote of the closed poll. With it on, SQLite overwrites deleted content
// with zeros, in the page and on the free list. The WAL is emptied by
// TruncateWAL.
//
// Transactions begin IMMEDIATE (they take the write lock at BEGIN). A
// deferred transaction that reads first and writes later fails with
// SQLITE_BUSY_SNAPSHOT, which no busy timeout retries, whenever another
// connection wrote in between; Litestream does exactly that (its
// _litestream_seq and _litestream_lock writes), and so does any circly
// command run beside a live server. Only the app's single write connection
// runs transactions (RunInTransaction), so the read pool is unaffected.
func Connect(dbPath string) (*dbx.DB, error) {
	return dbx.Open("sqlite", dbPath+pragmas)
}

// CheckSecureDelete fails when the app's database was opened without
// secure_delete (an app not built with Connect): closing a poll could not
// keep its promise there.
func CheckSecureDelete(app core.App) error {
	for _, db := range []dbx.Builder{app.NonconcurrentDB(), app.ConcurrentDB()} {
		var on int
		if err := db.NewQuery("PRAGMA secure_delete").Row(&on); err != nil {
			return err
		}
		if on != 1 {
			return errors.New("circly: the database must be opened with secure_delete on (use store.Connect as the app's DBConnect)")
		}
	}
	return nil
}

// walTruncaterKey holds, in the app's store, the function that replaces
// the plain checkpoint of TruncateWAL (see SetWALTruncater).
const walTruncaterKey = "circly.walTruncater"

// SetWALTruncater makes TruncateWAL call f instead of checkpointing on the
// app's own connection (nil restores the plain checkpoint). Replication
// sets it: a checkpoint must then go through the replicator, which copies
// every WAL frame before the WAL restarts.
func SetWALTruncater(app core.App, f func() error) {
	if f == nil {
		app.Store().Remove(walTruncaterKey)
		return
	}
	app.Store().Set(walTruncaterKey, f)
}

// WALReplicated reports whether a replicator takes the app's WAL
// truncations (SetWALTruncater): the database's history then also lives
// in the replicator's files, for as long as it keeps them.
func WALReplicated(app core.App) bool {
	return walTruncater(app) != nil
}

// walTruncater is the function SetWALTruncater set, or nil.
func walTruncater(app core.App) func() error {
	f, _ := app.Store().Get(walTruncaterKey).(func() error)
	return f
}

// TruncateWAL checkpoints the WAL completely into the database and
// truncates it to zero bytes. It fails (and can be retried) while a reader
// still uses an older snapshot.
func TruncateWAL(app core.App) error {
	if f := walTruncater(app); f != nil {
		return f()
	}
	var busy, logFrames, checkpointed int
	// First copy what can be copied without holding up writers: a PASSIVE
	// checkpoint from a connection of the read pool runs beside the ballot
	// box's transactions. The TRUNCATE below runs on the write connection
	// (votes wait for it), and is left the frames written since. Its
	// outcome does not matter: the TRUNCATE copies whatever is left.
	_, _, _ = CheckpointPassive(app)
	err := app.NonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Row(&busy, &logFrames, &checkpointed)
	if err != nil {
		return err
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint busy (%d of %d frames)", checkpointed, logFrames)
	}
	return nil
}
