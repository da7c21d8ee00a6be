package collections

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// PushCopyText is the title and body template of one (kind, locale).
type PushCopyText struct {
	Title string `db:"title"`
	Body  string `db:"body"`
}

// FindPushCopy returns the push copy of (kind, locale); found is false when
// there is no such row.
func FindPushCopy(app core.App, kind, locale string) (text PushCopyText, found bool, err error) {
	err = app.DB().Select(FieldPushCopyTitle, FieldPushCopyBody).From(PushCopy).
		Where(dbx.HashExp{FieldPushCopyKind: kind, FieldPushCopyLocale: locale}).
		Limit(1).One(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return PushCopyText{}, false, nil
	}
	return text, err == nil, err
}

// InsertPushCopy adds the copy of (kind, locale) unless a row exists, and
// reports whether it added one.
func InsertPushCopy(app core.App, kind, locale string, text PushCopyText) (bool, error) {
	if _, found, err := FindPushCopy(app, kind, locale); err != nil || found {
		return false, err
	}
	col, err := app.FindCachedCollectionByNameOrId(PushCopy)
	if err != nil {
		return false, err
	}
	r := core.NewRecord(col)
	r.Set(FieldPushCopyKind, kind)
	r.Set(FieldPushCopyLocale, locale)
	r.Set(FieldPushCopyTitle, text.Title)
	r.Set(FieldPushCopyBody, text.Body)
	return true, app.Save(r)
}
