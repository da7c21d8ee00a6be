package collections

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// preparedQuery is a hot statement in plain SQL (named parameters, no dbx
// placeholders), compiled once per app and reused by every request.
//
// Why: dbx rewrites every query's text (placeholders, quoting) and the
// driver compiles it again for each call; for a vote's check query and the
// ballot writer's statements that was a large part of their cost. A
// database/sql statement prepared on one of the app's pools is compiled
// once per pooled connection: reads on the read pool, writes on the single
// write connection, whose transactions use it through Tx.Stmt.
type preparedQuery struct {
	name string
	sql  string
}

func (q preparedQuery) key(pool string) string { return "circly.stmt." + pool + "." + q.name }

// query runs q on the app's read connections, or on its transaction when
// app is one (the write connection's: see queryWrite).
func (q preparedQuery) query(app core.App, args ...any) (*sql.Rows, error) {
	if app.IsTransactional() {
		return q.queryWrite(app, args...)
	}
	if db, ok := app.ConcurrentDB().(*dbx.DB); ok {
		if stmt, err := q.prepare(app, "read", db); err == nil {
			rows, err := stmt.Query(args...)
			if !staleStatement(err) {
				return rows, err
			}
			app.Store().Remove(q.key("read"))
		}
	}
	ex, err := executor(app.ConcurrentDB())
	if err != nil {
		return nil, err
	}
	return ex.Query(q.sql, args...)
}

// exec runs q on the app's write connection (in its transaction when app
// is one), with the statement PrepareWrites prepared when there is one.
func (q preparedQuery) exec(app core.App, args ...any) (sql.Result, error) {
	return onWrite(app, q, func(s *sql.Stmt) (sql.Result, error) { return s.Exec(args...) },
		func(ex dbx.Executor) (sql.Result, error) { return ex.Exec(q.sql, args...) })
}

// queryWrite is exec for a statement that returns rows (RETURNING, or a
// read inside a write transaction).
func (q preparedQuery) queryWrite(app core.App, args ...any) (*sql.Rows, error) {
	return onWrite(app, q, func(s *sql.Stmt) (*sql.Rows, error) { return s.Query(args...) },
		func(ex dbx.Executor) (*sql.Rows, error) { return ex.Query(q.sql, args...) })
}

// scanOne scans the first row of a query's result into dest; found is
// false when there is none.
func scanOne(rows *sql.Rows, err error, dest ...any) (found bool, _ error) {
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return false, err
	}
	return true, rows.Err()
}

// onWrite runs q on the app's write connection: with its prepared
// statement when there is one and it is still open, else compiled for
// this call.
func onWrite[T any](app core.App, q preparedQuery, prepared func(*sql.Stmt) (T, error), raw func(dbx.Executor) (T, error)) (T, error) {
	ex, err := executor(app.NonconcurrentDB())
	if err != nil {
		var zero T
		return zero, err
	}
	if stmt := q.prepared(app, ex); stmt != nil {
		res, err := prepared(stmt)
		if !staleStatement(err) {
			return res, err
		}
		app.Store().Remove(q.key("write"))
	}
	return raw(ex)
}

// prepared returns the write statement for the executor (bound to it when
// it is a transaction), or nil when PrepareWrites has not prepared it.
func (q preparedQuery) prepared(app core.App, ex dbx.Executor) *sql.Stmt {
	stmt, ok := app.Store().Get(q.key("write")).(*sql.Stmt)
	if !ok {
		return nil
	}
	if tx, ok := ex.(*sql.Tx); ok {
		return tx.Stmt(stmt)
	}
	return stmt
}

// prepare returns the statement prepared on db, preparing it on first use.
func (q preparedQuery) prepare(app core.App, pool string, db *dbx.DB) (*sql.Stmt, error) {
	if stmt, ok := app.Store().Get(q.key(pool)).(*sql.Stmt); ok {
		return stmt, nil
	}
	stmt, err := db.DB().Prepare(q.sql)
	if err != nil {
		return nil, err
	}
	if prev, ok := app.Store().GetOrSet(q.key(pool), func() any { return stmt }).(*sql.Stmt); ok && prev != stmt {
		stmt.Close() // another request prepared it first
		return prev, nil
	}
	return stmt, nil
}

// ballotWrites are the statements of the ballot writer's transaction
// (its check query too: the check runs in that transaction).
var ballotWrites = []preparedQuery{voteCheckQuery, pollKeySaltQuery, insertVoteQuery, insertParticipationQuery, incrementTotalVotesQuery, addTallyQuery}

// PrepareWrites prepares the ballot writer's statements on the app's write
// connection; call it outside any transaction (the connection is the
// transaction's while one runs). Without it they are compiled per call.
func PrepareWrites(app core.App) error {
	if app.IsTransactional() {
		return errors.New("collections: PrepareWrites inside a transaction")
	}
	db, ok := app.NonconcurrentDB().(*dbx.DB)
	if !ok {
		return errors.New("collections: no write pool to prepare on")
	}
	for _, q := range ballotWrites {
		if _, err := q.prepare(app, "write", db); err != nil {
			return err
		}
	}
	return nil
}

// executor returns the database/sql executor behind a dbx builder: the
// pool of a *dbx.DB, the transaction of a *dbx.Tx.
func executor(b dbx.Builder) (dbx.Executor, error) {
	switch v := b.(type) {
	case *dbx.DB:
		return v.DB(), nil
	case *dbx.Tx:
		b = v.Builder
	}
	if ex, ok := b.(interface{ Executor() dbx.Executor }); ok {
		return ex.Executor(), nil
	}
	return nil, errors.New("collections: no executor for a prepared statement")
}

// staleStatement reports an error of a statement prepared on a pool that
// was closed (the app was bootstrapped again) or that belongs to another
// database: nothing ran, and the call can be made without it.
func staleStatement(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return errors.Is(err, sql.ErrConnDone) || strings.Contains(msg, "sql: statement is closed") ||
		strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "statement from different database")
}
