package collections

import "github.com/pocketbase/pocketbase/core"

// FindUser returns the user with the given id (sql.ErrNoRows when none).
func FindUser(app core.App, id string) (*User, error) {
	r, err := app.FindRecordById(Users, id)
	return wrapOne(r, err, AsUser)
}

// FindUserByDeviceId returns the user of a device, or nil when the device
// has never signed in. device_id is unique, so there is at most one.
func FindUserByDeviceId(app core.App, deviceId string) (*User, error) {
	r, err := app.FindFirstRecordByData(Users, FieldUserDeviceId, deviceId)
	return wrapOptional(r, err, AsUser)
}
