package notify

import "circly/collections"

// The deliveries of an outbox row (collections.Delivery) move through the
// collections.Delivery* states; see the package documentation for their
// life cycle.

// rowStatus derives a resolved row's status from its deliveries.
func rowStatus(ds []collections.Delivery) string {
	awaiting, skipped := false, 0
	for i := range ds {
		switch ds[i].State {
		case collections.DeliveryPending, collections.DeliverySending:
			return collections.NotificationPending
		case collections.DeliverySkipped:
			skipped++
		}
		if ds[i].AwaitingReceipt() {
			awaiting = true
		}
	}
	switch {
	case awaiting:
		return collections.NotificationSent
	case skipped == len(ds):
		return collections.NotificationSkipped
	}
	return collections.NotificationDone
}

// setDeliveries stores ds in row and derives its status from them.
func setDeliveries(row *collections.Notification, ds []collections.Delivery) {
	row.SetDeliveries(ds)
	row.SetStatus(rowStatus(ds))
}

// CollapseKey is the key every message of a (poll, kind) carries as
// collapseId, tag and threadId, so that a second copy replaces the first on
// the device.
func CollapseKey(pollId, kind string) string {
	return "circly:" + pollId + ":" + kind
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
