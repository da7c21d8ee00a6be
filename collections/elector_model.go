package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// Fields of the electors collection (see NewElectors).
const (
	FieldElectorPoll = "poll"
	FieldElectorUser = "user"
)

var (
	_ core.Model        = (*Elector)(nil)
	_ core.PreValidator = (*Elector)(nil)
	_ core.RecordProxy  = (*Elector)(nil)
)

// Elector is a typed record of the electors collection: one user who may
// vote in one poll. The electorate is written in bulk (InsertElectorate);
// the typed record is for reading rows and writing single ones.
type Elector struct {
	*core.Record
}

// AsElector wraps an electors record (nil stays nil). The record is
// shared, not copied: setters change it.
func AsElector(r *core.Record) *Elector {
	if r == nil {
		return nil
	}
	return &Elector{Record: r}
}

// NewElector returns a blank, unsaved elector.
func NewElector(app core.App) (*Elector, error) {
	r, err := newRecord(app, Electors)
	return wrapOne(r, err, AsElector)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold an electors record.
func (e *Elector) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(e.Record, Electors)
}

// ProxyRecord returns the wrapped record.
func (e *Elector) ProxyRecord() *core.Record { return e.Record }

// SetProxyRecord replaces the wrapped record.
func (e *Elector) SetProxyRecord(r *core.Record) { e.Record = r }

// Poll returns the poll's id.
func (e *Elector) Poll() string { return e.GetString(FieldElectorPoll) }

// SetPoll sets the poll's id.
func (e *Elector) SetPoll(pollId string) { e.Set(FieldElectorPoll, pollId) }

// User returns the users id of the elector.
func (e *Elector) User() string { return e.GetString(FieldElectorUser) }

// SetUser sets the users id of the elector.
func (e *Elector) SetUser(userId string) { e.Set(FieldElectorUser, userId) }
