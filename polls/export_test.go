package polls

import "github.com/pocketbase/pocketbase/core"

// CanReceiveLive is the decision the realtime broadcast of a counter makes
// for one subscriber (readerGate), for tests in polls_test.
func CanReceiveLive(app core.App, record *core.Record, info *core.RequestInfo, rule *string) (bool, error) {
	return newReaderGate(app, record).CanAccessRecord(record, info, rule)
}
