package hooks

import (
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// dbPragmas are PocketBase's own connection settings (core.DefaultDBConnect)
// plus secure_delete.
const dbPragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
	"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)" +
	"&_pragma=secure_delete(ON)&_defensive=1"

// DBConnect opens Circly's SQLite databases (pass it as PocketBase's
// DBConnect). It is PocketBase's default connection with secure_delete on.
//
// Why: closing a poll deletes its vote-key salt and rewrites its vote rows.
// With secure_delete off, SQLite only unlinks deleted cells: the salt and
// the old (option, voter_hash) pairs would stay readable in the page's free
// space and on free pages, and anyone holding circly.key could link every
// vote of the closed poll. With it on, SQLite overwrites deleted content
// with zeros, in the page and on the free list. The WAL is handled by
// Forget.
func DBConnect(dbPath string) (*dbx.DB, error) {
	return dbx.Open("sqlite", dbPath+dbPragmas)
}

// checkSecureDelete fails when the app's database was opened without
// secure_delete (an app not built with DBConnect): closing a poll could not
// keep its promise there.
func checkSecureDelete(app core.App) error {
	for _, db := range []dbx.Builder{app.NonconcurrentDB(), app.ConcurrentDB()} {
		var on int
		if err := db.NewQuery("PRAGMA secure_delete").Row(&on); err != nil {
			return err
		}
		if on != 1 {
			return errors.New("circly: the database must be opened with secure_delete on (use hooks.DBConnect as the app's DBConnect)")
		}
	}
	return nil
}

// Forget makes what a poll's close deleted unrecoverable from the WAL too:
// it checkpoints the WAL into the database and truncates it to zero bytes.
// Until then the WAL holds earlier versions of the pages the close rewrote
// (the salt, the old hashes). A checkpoint can be held up by a reader still
// on an older snapshot; Forget retries a few times and otherwise leaves it
// pending for the next CloseDuePolls (the dispatcher runs it every tick).
func (s *Service) Forget(app core.App) {
	s.forgetMu.Lock()
	defer s.forgetMu.Unlock()
	s.forgetPending = true
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 20 * time.Millisecond)
		}
		if err := truncateWAL(app); err != nil {
			app.Logger().Debug("WAL truncate after a poll's close postponed", "error", err.Error())
			continue
		}
		s.forgetPending = false
		return
	}
	app.Logger().Warn("WAL truncate after a poll's close postponed; retried on the next dispatcher run")
}

// forgetIfPending runs Forget when an earlier one could not finish.
func (s *Service) forgetIfPending(app core.App) {
	s.forgetMu.Lock()
	pending := s.forgetPending
	s.forgetMu.Unlock()
	if pending {
		s.Forget(app)
	}
}

// truncateWAL checkpoints the WAL completely and truncates it.
func truncateWAL(app core.App) error {
	var busy, logFrames, checkpointed int
	err := app.NonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Row(&busy, &logFrames, &checkpointed)
	if err != nil {
		return err
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint busy (%d of %d frames)", checkpointed, logFrames)
	}
	return nil
}
