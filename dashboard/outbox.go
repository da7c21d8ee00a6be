package dashboard

import (
	"database/sql"
	"errors"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// CheckOutboxDelete refuses to delete an outbox row whose poll is still
// open: the dispatcher would build the row again and send its pushes a
// second time. Rows of closed or deleted polls may go.
func CheckOutboxDelete(app core.App, row *collections.Notification) error {
	poll, err := collections.FindPoll(app, row.Poll())
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if !poll.IsClosed() {
		return ErrOutboxRowLive
	}
	return nil
}
