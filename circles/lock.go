package circles

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// lockCircle starts the transaction's write on the circle's row, before
// anything is counted or checked.
//
// Why: SQLite transactions begin deferred; the write lock is taken at the
// first write. Touching the row first (a no-op update) makes every later
// read of this transaction — member counts, nickname checks — happen under
// the database's single write lock, so two joins can never both see the
// last free seat. (Inside one process PocketBase already funnels writes
// through one connection; this also holds against other writers of the
// same database file.) ErrCircleNotFound when there is no such circle.
func lockCircle(txApp core.App, circleId string) error {
	found, err := collections.LockCircle(txApp, circleId)
	if err != nil {
		return err
	}
	if !found {
		return ErrCircleNotFound
	}
	return nil
}
