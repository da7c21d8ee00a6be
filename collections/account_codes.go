package collections

import "github.com/pocketbase/pocketbase/core"

// Kinds of account codes (API.md §11).
const (
	// CodeKindTransfer: a short code the old phone shows, valid minutes.
	CodeKindTransfer = "transfer"
	// CodeKindRecovery: a long code the user keeps, valid until used or
	// replaced.
	CodeKindRecovery = "recovery"
)

// NewAccountCodes defines the codes that move an account to a new device
// (API.md §11): at most one transfer code and one recovery code per user
// (a new one replaces the old), each used once.
//
// The code itself is never stored: code_hash is its keyed hash (HMAC under
// a key derived from circly.key, keys.HashAccountCode), and a code is found
// by that hash through the unique index. Superusers only: the app never
// reads the table; the routes in the auth package do.
func NewAccountCodes() *core.Collection {
	c := core.NewBaseCollection(AccountCodes, AccountCodesId)

	c.Fields.Add(&core.RelationField{Name: FieldAccountCodeUser, Required: true, CollectionId: UsersId, CascadeDelete: true, MaxSelect: 1})
	c.Fields.Add(&core.SelectField{Name: FieldAccountCodeKind, Required: true, MaxSelect: 1,
		Values: []string{CodeKindTransfer, CodeKindRecovery}})
	c.Fields.Add(&core.TextField{Name: FieldAccountCodeHash, Required: true, Min: 64, Max: 64, Pattern: `^[0-9a-f]{64}$`})
	// empty for recovery codes, which do not expire
	c.Fields.Add(&core.DateField{Name: FieldAccountCodeExpiresAt})
	autodates(c)

	superusersOnly(c)

	c.AddIndex("idx_account_codes_hash", true, FieldAccountCodeHash, "")
	c.AddIndex("idx_account_codes_user_kind", true, FieldAccountCodeUser+", "+FieldAccountCodeKind, "")

	return c
}

// NewRetiredDevices defines the device ids that no longer sign in: the
// devices accounts have moved away from (API.md §11). Without it the old
// phone's next device login would quietly make a new account with the old
// id; with it that login is a 401.
//
// Only the keyed hash of the id is kept (keys.HashRetiredDevice), and no
// link to the account: the row says "this id is retired", nothing more.
// Superusers only.
func NewRetiredDevices() *core.Collection {
	c := core.NewBaseCollection(RetiredDevices, RetiredDevicesId)

	c.Fields.Add(&core.TextField{Name: FieldRetiredDeviceIdHash, Required: true, Min: 64, Max: 64, Pattern: `^[0-9a-f]{64}$`})
	autodates(c)

	superusersOnly(c)

	c.AddIndex("idx_retired_devices_hash", true, FieldRetiredDeviceIdHash, "")

	return c
}
