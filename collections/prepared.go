package collections

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// preparedQuery is a hot read statement in plain SQL (named parameters,
// no dbx placeholders), compiled once per app and reused by every request.
//
// Why: dbx rewrites every query's text (placeholders, quoting) and the
// driver compiles it again for each request; for the vote's check query
// that was about half of its cost. A database/sql statement prepared on
// the app's read pool is compiled once per pooled connection.
type preparedQuery struct {
	key string // the app store key of the prepared statement
	sql string
}

// query runs q with args on the app's read connections, or on its
// transaction when app is one (a statement prepared on the pool cannot be
// used there; it is compiled for this call).
func (q preparedQuery) query(app core.App, args ...any) (*sql.Rows, error) {
	b := app.ConcurrentDB()
	if db, ok := b.(*dbx.DB); ok && !app.IsTransactional() {
		stmt, err := q.prepare(app, db)
		if err != nil {
			return nil, err
		}
		return stmt.Query(args...)
	}
	if tx, ok := b.(*dbx.Tx); ok {
		b = tx.Builder
	}
	ex, ok := b.(interface{ Executor() dbx.Executor })
	if !ok {
		return nil, errors.New("collections: no executor for a prepared query")
	}
	return ex.Executor().Query(q.sql, args...)
}

// prepare returns the statement prepared on db, preparing it on first use.
func (q preparedQuery) prepare(app core.App, db *dbx.DB) (*sql.Stmt, error) {
	if stmt, ok := app.Store().Get(q.key).(*sql.Stmt); ok {
		return stmt, nil
	}
	var err error
	stmt := app.Store().GetOrSet(q.key, func() any {
		s, e := db.DB().Prepare(q.sql)
		if e != nil {
			err = e
			return nil
		}
		return s
	})
	if err != nil {
		app.Store().Remove(q.key)
		return nil, err
	}
	s, ok := stmt.(*sql.Stmt)
	if !ok {
		app.Store().Remove(q.key)
		return nil, errors.New("collections: statement not prepared")
	}
	return s, nil
}
