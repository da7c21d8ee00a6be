package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Fields of the account_codes and retired_devices collections (see
// NewAccountCodes, NewRetiredDevices).
const (
	FieldAccountCodeUser      = "user"
	FieldAccountCodeKind      = "kind"
	FieldAccountCodeHash      = "code_hash"
	FieldAccountCodeExpiresAt = "expires_at"

	FieldRetiredDeviceIdHash = "device_id_hash"
)

var (
	_ core.Model        = (*AccountCode)(nil)
	_ core.PreValidator = (*AccountCode)(nil)
	_ core.RecordProxy  = (*AccountCode)(nil)
)

// AccountCode is a typed record of the account_codes collection: the hash
// of one transfer or recovery code of one user.
type AccountCode struct {
	*core.Record
}

// AsAccountCode wraps an account_codes record (nil stays nil). The record
// is shared, not copied: setters change it.
func AsAccountCode(r *core.Record) *AccountCode {
	if r == nil {
		return nil
	}
	return &AccountCode{Record: r}
}

// NewAccountCode returns a blank, unsaved account code.
func NewAccountCode(app core.App) (*AccountCode, error) {
	r, err := newRecord(app, AccountCodes)
	return wrapOne(r, err, AsAccountCode)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold an account_codes record.
func (c *AccountCode) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(c.Record, AccountCodes)
}

// ProxyRecord returns the wrapped record.
func (c *AccountCode) ProxyRecord() *core.Record { return c.Record }

// SetProxyRecord replaces the wrapped record.
func (c *AccountCode) SetProxyRecord(r *core.Record) { c.Record = r }

// User returns the id of the user the code moves.
func (c *AccountCode) User() string { return c.GetString(FieldAccountCodeUser) }

// SetUser sets the user the code moves.
func (c *AccountCode) SetUser(userId string) { c.Set(FieldAccountCodeUser, userId) }

// Kind returns CodeKindTransfer or CodeKindRecovery.
func (c *AccountCode) Kind() string { return c.GetString(FieldAccountCodeKind) }

// SetKind sets the kind of the code.
func (c *AccountCode) SetKind(kind string) { c.Set(FieldAccountCodeKind, kind) }

// CodeHash returns the keyed hash of the code.
func (c *AccountCode) CodeHash() string { return c.GetString(FieldAccountCodeHash) }

// SetCodeHash sets the keyed hash of the code.
func (c *AccountCode) SetCodeHash(hash string) { c.Set(FieldAccountCodeHash, hash) }

// ExpiresAt returns when the code stops working (zero: it does not expire).
func (c *AccountCode) ExpiresAt() types.DateTime { return c.GetDateTime(FieldAccountCodeExpiresAt) }

// SetExpiresAt sets when the code stops working.
func (c *AccountCode) SetExpiresAt(t types.DateTime) { c.Set(FieldAccountCodeExpiresAt, t) }
