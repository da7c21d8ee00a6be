package collections

import (
	"database/sql"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// PollKeysTable holds one vote-key salt per open poll. Deliberately not a
// collection (see the first migration): no API, realtime event or dashboard
// list can show it, and a row is deleted when its poll closes.
const PollKeysTable = "_circly_poll_keys"

// Columns of PollKeysTable.
const (
	FieldPollKeyPoll = "poll"
	FieldPollKeySalt = "salt"
)

// InsertPollKey stores the salt of a new poll's vote key. The caller draws
// the salt (its size is a property of the key derivation, not of storage).
func InsertPollKey(app core.App, pollId string, salt []byte) error {
	_, err := app.DB().Insert(PollKeysTable, dbx.Params{"poll": pollId, "salt": salt}).Execute()
	return err
}

// PollKeySalt returns the salt of an open poll's vote key; ok is false when
// there is none (the poll has closed and its salt is gone, or never was).
func PollKeySalt(app core.App, pollId string) (salt []byte, ok bool, err error) {
	rows, err := pollKeySaltQuery.query(app, sql.Named("poll", pollId))
	ok, err = scanOne(rows, err, &salt)
	if !ok {
		salt = nil
	}
	return salt, ok, err
}

var pollKeySaltQuery = preparedQuery{name: "pollKeySalt", sql: "SELECT salt FROM " + PollKeysTable + " WHERE poll = :poll"}

// DeletePollKey deletes a poll's salt, after which its voter hashes can no
// longer be recomputed (with secure_delete on, the bytes are zeroed).
func DeletePollKey(app core.App, pollId string) error {
	_, err := app.DB().Delete(PollKeysTable, dbx.HashExp{"poll": pollId}).Execute()
	return err
}
