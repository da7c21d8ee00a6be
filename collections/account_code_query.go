package collections

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindAccountCode returns the code of a kind whose keyed hash is hash, or
// nil when there is none (never made, used, replaced).
func FindAccountCode(app core.App, kind, hash string) (*AccountCode, error) {
	r, err := app.FindFirstRecordByFilter(AccountCodes,
		FieldAccountCodeHash+" = {:hash} && "+FieldAccountCodeKind+" = {:kind}",
		dbx.Params{"hash": hash, "kind": kind})
	return wrapOptional(r, err, AsAccountCode)
}

// DeleteAccountCodes deletes a user's code of a kind, if any (a new code
// replaces it, a move uses it up).
func DeleteAccountCodes(app core.App, userId, kind string) error {
	_, err := app.DB().Delete(AccountCodes, dbx.HashExp{
		FieldAccountCodeUser: userId,
		FieldAccountCodeKind: kind,
	}).Execute()
	return err
}

// IsDeviceRetired reports whether a device id, by its keyed hash, belongs
// to a device an account has moved away from.
func IsDeviceRetired(app core.App, deviceIdHash string) (bool, error) {
	var n int
	err := app.DB().Select("count(*)").From(RetiredDevices).
		Where(dbx.HashExp{FieldRetiredDeviceIdHash: deviceIdHash}).Row(&n)
	return n > 0, err
}

// RetireDevice records a device id, by its keyed hash, as retired. A hash
// already recorded stays as it is.
func RetireDevice(app core.App, deviceIdHash string) error {
	retired, err := IsDeviceRetired(app, deviceIdHash)
	if err != nil || retired {
		return err
	}
	r, err := newRecord(app, RetiredDevices)
	if err != nil {
		return err
	}
	r.Set(FieldRetiredDeviceIdHash, deviceIdHash)
	return app.Save(r)
}
