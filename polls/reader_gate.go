package polls

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// readerGate is the app the announcer hands to PocketBase's realtime
// broadcast of one counter (a poll's total or an option's count).
// PocketBase decides per subscriber whether it may receive the record by
// calling the app's CanAccessRecord with the collection's list or view
// rule, which runs one SQL query per subscriber and event: with 1,000
// subscribers of a poll that is 1,000 queries per vote. When the rule is
// the read rule Circly gives polls and options (collections.IsReaderRule),
// readerGate answers instead from the poll's readers, loaded once per
// event with one query that decides the same rule row by row
// (collections.PollReaders), plus the rule's condition on the auth record
// itself (active). Anything else — another rule (an operator edited it in
// the dashboard), a superuser, another poll's record — goes to
// PocketBase's own check. The subscription's filter, the enrich hooks and
// the message stay PocketBase's.
type readerGate struct {
	core.App
	pollId string

	once    sync.Once // the broadcast checks subscribers concurrently
	readers map[string]bool
	err     error
}

func newReaderGate(app core.App, record *core.Record) *readerGate {
	return &readerGate{App: app, pollId: pollOf(record)}
}

func (g *readerGate) CanAccessRecord(record *core.Record, info *core.RequestInfo, rule *string) (bool, error) {
	if rule == nil || info == nil || info.HasSuperuserAuth() || g.pollId == "" ||
		!collections.IsReaderRule(record.Collection(), *rule) || pollOf(record) != g.pollId {
		return g.App.CanAccessRecord(record, info, rule)
	}
	// the rule opens with @request.auth.id != "" && @request.auth.is_active = true
	if info.Auth == nil || info.Auth.Id == "" || !info.Auth.GetBool(collections.FieldUserIsActive) {
		return false, nil
	}
	g.once.Do(func() { g.readers, g.err = collections.PollReaders(g.App, g.pollId) })
	if g.err != nil {
		return false, g.err
	}
	return g.readers[info.Auth.Id], nil
}

// pollOf is the poll a polls or options record belongs to ("" for any
// other record).
func pollOf(record *core.Record) string {
	switch record.Collection().Name {
	case collections.Polls:
		return record.Id
	case collections.Options:
		return record.GetString(collections.FieldOptionPoll)
	}
	return ""
}
