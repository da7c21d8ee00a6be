package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// OperatorCounts are the totals the metrics route shows. They are counts
// over whole tables, never per user, circle or poll.
type OperatorCounts struct {
	OpenPolls  int64 `db:"open_polls"`
	Users      int64 `db:"users"`
	PushTokens int64 `db:"push_tokens"` // users with a push token
	Circles    int64 `db:"circles"`
	// OutboxPending counts the deliveries still to send (pending, or
	// claimed by a run and not yet recorded) of the outbox rows whose
	// recipients are chosen.
	OutboxPending int64 `db:"outbox_pending"`
	// OutboxRows counts the outbox rows by status; every status is listed.
	OutboxRows map[string]int64 `db:"-"`
}

// NotificationStatuses lists the states of an outbox row, in life order.
var NotificationStatuses = []string{NotificationScheduled, NotificationPending, NotificationSent, NotificationDone, NotificationSkipped}

// LoadOperatorCounts reads the totals of the metrics route (two queries
// on a read connection).
func LoadOperatorCounts(app core.App) (OperatorCounts, error) {
	var c OperatorCounts
	err := app.DB().NewQuery(`SELECT
		(SELECT COUNT(*) FROM {{` + Polls + `}} WHERE [[` + FieldPollStatus + `]] = {:open}) AS [[open_polls]],
		(SELECT COUNT(*) FROM {{` + Users + `}}) AS [[users]],
		(SELECT COUNT(*) FROM {{` + Users + `}} WHERE [[` + FieldUserPushToken + `]] != '') AS [[push_tokens]],
		(SELECT COUNT(*) FROM {{` + Circles + `}}) AS [[circles]],
		(SELECT COUNT(*) FROM {{` + Notifications + `}} n,
			json_each(CASE WHEN json_valid(n.[[` + FieldNotificationDeliveries + `]]) THEN n.[[` + FieldNotificationDeliveries + `]] ELSE '[]' END) d
			WHERE n.[[` + FieldNotificationStatus + `]] = {:pendingRow}
			AND json_extract(d.value, '$.state') IN ({:pending}, {:sending})) AS [[outbox_pending]]`).
		Bind(dbx.Params{"open": PollOpen, "pendingRow": NotificationPending, "pending": DeliveryPending, "sending": DeliverySending}).
		One(&c)
	if err != nil {
		return c, err
	}

	var rows []struct {
		Status string `db:"status"`
		N      int64  `db:"n"`
	}
	err = app.DB().NewQuery(`SELECT [[` + FieldNotificationStatus + `]] AS [[status]], COUNT(*) AS [[n]]
		FROM {{` + Notifications + `}} GROUP BY [[` + FieldNotificationStatus + `]]`).All(&rows)
	if err != nil {
		return c, err
	}
	c.OutboxRows = make(map[string]int64, len(NotificationStatuses))
	for _, s := range NotificationStatuses {
		c.OutboxRows[s] = 0
	}
	for _, r := range rows {
		if _, known := c.OutboxRows[r.Status]; known {
			c.OutboxRows[r.Status] = r.N
		}
	}
	return c, nil
}
