package collections

import (
	"encoding/json"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// FindNotification returns the outbox row with the given id (sql.ErrNoRows
// when none).
func FindNotification(app core.App, id string) (*Notification, error) {
	r, err := app.FindRecordById(Notifications, id)
	return wrapOne(r, err, AsNotification)
}

// NotificationKindsOf returns the kinds a poll already has rows for.
func NotificationKindsOf(app core.App, pollId string) ([]string, error) {
	var have []string
	err := app.DB().Select("kind").From(Notifications).
		Where(dbx.HashExp{"poll": pollId}).Column(&have)
	return have, err
}

// OpenPollsMissingNotifications returns the ids of open polls with fewer
// than kinds outbox rows, oldest poll first.
func OpenPollsMissingNotifications(app core.App, kinds int) ([]string, error) {
	var ids []string
	err := app.DB().NewQuery(
		"SELECT p.[[id]] FROM {{" + Polls + "}} p WHERE p.[[status]] = {:open} AND " +
			"(SELECT COUNT(*) FROM {{" + Notifications + "}} n WHERE n.[[poll]] = p.[[id]]) < {:kinds} " +
			"ORDER BY p.[[created]]").
		Bind(dbx.Params{"open": PollOpen, "kinds": kinds}).Column(&ids)
	return ids, err
}

// ScheduledState is a scheduled outbox row with the state of its poll, as
// the dispatcher reads them to find the rows with something to do.
type ScheduledState struct {
	Id    string         `db:"id"`
	Kind  string         `db:"kind"`
	DueAt types.DateTime `db:"due_at"`
	// PollStatus is the poll's status, "" when the poll is gone.
	PollStatus string         `db:"poll_status"`
	Deadline   types.DateTime `db:"deadline"`
}

// ScheduledStates lists the rows waiting for their moment with their
// poll's status and deadline, earliest due first, in one query and without
// building records.
func ScheduledStates(app core.App) ([]ScheduledState, error) {
	return scheduledStates(app, "", nil)
}

// ScheduledStatesDueBy is ScheduledStates for the rows due at or before t.
func ScheduledStatesDueBy(app core.App, t types.DateTime) ([]ScheduledState, error) {
	return scheduledStates(app, " AND n.[[due_at]] <= {:by}", dbx.Params{"by": t.String()})
}

// ScheduledStatesOfPolls is ScheduledStates for the rows of the given
// polls (in chunks of 500: SQLite bounds the parameters of one query).
func ScheduledStatesOfPolls(app core.App, pollIds []string) ([]ScheduledState, error) {
	var all []ScheduledState
	for len(pollIds) > 0 {
		chunk := pollIds[:min(len(pollIds), 500)]
		pollIds = pollIds[len(chunk):]
		in, params := inList("p", chunk)
		rows, err := scheduledStates(app, " AND n.[[poll]] IN ("+in+")", params)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
	}
	return all, nil
}

func scheduledStates(app core.App, cond string, params dbx.Params) ([]ScheduledState, error) {
	if params == nil {
		params = dbx.Params{}
	}
	params["s"] = NotificationScheduled
	var rows []ScheduledState
	err := app.DB().NewQuery(
		"SELECT n.[[id]], n.[[kind]], n.[[due_at]], COALESCE(p.[[status]], '') AS [[poll_status]], " +
			"COALESCE(p.[[deadline]], '') AS [[deadline]] FROM {{" + Notifications + "}} n " +
			"LEFT JOIN {{" + Polls + "}} p ON p.[[id]] = n.[[poll]] WHERE n.[[status]] = {:s}" + cond +
			" ORDER BY n.[[due_at]]").
		Bind(params).All(&rows)
	return rows, err
}

// PendingNotificationIds returns the ids of the rows with deliveries still
// to send, earliest due first (then created, then id). Ids rather than
// records: a sending run loads each row inside its claim transaction.
func PendingNotificationIds(app core.App) ([]string, error) {
	var ids []string
	err := app.DB().Select("id").From(Notifications).
		Where(dbx.HashExp{"status": NotificationPending}).
		OrderBy("due_at", "created", "id").Column(&ids)
	return ids, err
}

// PendingNotifications returns the rows with deliveries still to send, in
// one query, in no particular order.
func PendingNotifications(app core.App) ([]*Notification, error) {
	rs, err := app.FindRecordsByFilter(Notifications, "status = {:s}", "", 0, 0,
		dbx.Params{"s": NotificationPending})
	return wrapAll(rs, err, AsNotification)
}

// SentOrPendingNotifications lists the rows that may await receipts (sent,
// or pending with some deliveries already sent), in no particular order.
func SentOrPendingNotifications(app core.App) ([]*Notification, error) {
	rs, err := app.FindRecordsByFilter(Notifications, "status = {:sent} || status = {:pending}", "", 0, 0,
		dbx.Params{"sent": NotificationSent, "pending": NotificationPending})
	return wrapAll(rs, err, AsNotification)
}

// PruneNotifications deletes finished rows (done or skipped) last saved
// before cutoff whose poll is closed with a deadline before cutoff too, or
// whose poll is gone, and returns how many it deleted. Rows of open polls
// stay: the dispatcher would build a missing one again.
func PruneNotifications(app core.App, cutoff types.DateTime) (int, error) {
	res, err := app.DB().NewQuery(
		"DELETE FROM {{" + Notifications + "}} WHERE [[status]] IN ({:done}, {:skipped}) AND [[updated]] < {:cutoff} " +
			"AND ([[poll]] IN (SELECT [[id]] FROM {{" + Polls + "}} WHERE [[status]] = {:closed} AND [[deadline]] < {:cutoff}) " +
			"OR [[poll]] NOT IN (SELECT [[id]] FROM {{" + Polls + "}}))").
		Bind(dbx.Params{
			"done":    NotificationDone,
			"skipped": NotificationSkipped,
			"closed":  PollClosed,
			"cutoff":  cutoff.String(),
		}).Execute()
	if err != nil {
		return 0, err
	}
	k, err := res.RowsAffected()
	return int(k), err
}

// DeleteNotificationsOfKind deletes every outbox row of a kind (a
// migration taking the kind away).
func DeleteNotificationsOfKind(app core.App, kind string) error {
	_, err := app.DB().Delete(Notifications, dbx.HashExp{"kind": kind}).Execute()
	return err
}

// BackfillNotificationOutcomes rewrites every outbox row's deliveries
// through SetDeliveries — null becomes [], and the sent, failed and
// skipped counts and last_error follow the deliveries — with plain SQL,
// so "updated" (which pruning reads) stays as it was.
func BackfillNotificationOutcomes(app core.App) error {
	rs, err := app.FindAllRecords(Notifications)
	if err != nil {
		return err
	}
	for _, r := range rs {
		n := AsNotification(r)
		ds, err := n.Deliveries()
		if err != nil {
			return fmt.Errorf("outbox row %s: %w", n.Id, err)
		}
		n.SetDeliveries(ds)
		raw, err := json.Marshal(ds)
		if err != nil {
			return err
		}
		_, err = app.DB().Update(Notifications, dbx.Params{
			FieldNotificationDeliveries: string(raw),
			FieldNotificationSent:       n.Sent(),
			FieldNotificationFailed:     n.Failed(),
			FieldNotificationSkipped:    n.Skipped(),
			FieldNotificationLastError:  n.LastError(),
		}, dbx.HashExp{"id": n.Id}).Execute()
		if err != nil {
			return err
		}
	}
	return nil
}
