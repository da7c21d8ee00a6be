package collections

import (
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pocketbase/pocketbase/core"
)

// Typed records and queries.
//
// Every Circly collection has a typed record (poll_model.go, member_model.go,
// …: a proxy embedding *core.Record, as PocketBase's own core.MFA) and a file
// of queries (poll_query.go, …). Field names, filters and SQL column names
// are written only in this package: a renamed field changes in one place,
// and a misspelt getter is a compile error where a misspelt string literal
// would quietly read an empty value.
//
// Conventions of the query functions:
//   - they take core.App, so they work on the app and on a transaction's
//     txApp alike;
//   - Find<Type>(app, id) returns the record or PocketBase's error
//     (sql.ErrNoRows when there is none), as app.FindRecordById does;
//   - every other lookup returns nil (or false, or an empty slice) and a nil
//     error when nothing matches;
//   - they decide no domain rule (who may vote, when counts are published):
//     each one is a single read or write that the caller composes.

// Fields shared across collections: every record has an id; users,
// circles, templates, polls and notifications also have the autodates
// created and updated (members, options, votes and electors do not; for
// options and votes that is on purpose, see NewOptions and NewVotes).
const (
	FieldId      = "id"
	FieldCreated = "created"
	FieldUpdated = "updated"
)

// newRecord returns a blank record of a collection. The collection comes
// from the app's cache: Circly's collections exist from the first migration
// on, so a miss is a real error and is returned rather than hidden.
func newRecord(app core.App, collection string) (*core.Record, error) {
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	return core.NewRecord(c), nil
}

// wrapOne wraps a found record, passing an error (sql.ErrNoRows included)
// on unchanged.
func wrapOne[T any](r *core.Record, err error, wrap func(*core.Record) *T) (*T, error) {
	if err != nil {
		return nil, err
	}
	return wrap(r), nil
}

// wrapOptional wraps a record that may legitimately be absent: no row is
// nil with no error.
func wrapOptional[T any](r *core.Record, err error, wrap func(*core.Record) *T) (*T, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return wrapOne(r, err, wrap)
}

// wrapAll wraps a list of records, keeping its order.
func wrapAll[T any](rs []*core.Record, err error, wrap func(*core.Record) *T) ([]*T, error) {
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(rs))
	for i, r := range rs {
		out[i] = wrap(r)
	}
	return out, nil
}

// checkProxy is the PreValidate of every typed record: saving a proxy that
// wraps nothing, or a record of another collection, would write the wrong
// table through the right-looking type.
func checkProxy(r *core.Record, collection string) error {
	if r == nil {
		return fmt.Errorf("missing %s record in its typed proxy", collection)
	}
	if r.Collection().Name != collection {
		return fmt.Errorf("a %s record cannot be saved as %s", r.Collection().Name, collection)
	}
	return nil
}

// RandomRowid returns a random positive rowid for a row whose position in
// its table must not tell when it was written (votes), drawn with
// crypto/rand. It is also a source of uniform random numbers for shuffles.
//
// Why: a rowid table stores rows in rowid order, and SQLite's default rowid
// (max + 1) would keep the order in which the rows arrived.
func RandomRowid() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return int64(binary.BigEndian.Uint64(b[:])&(1<<62-1)) + 1
}
