package collections

import (
	"context"

	"github.com/pocketbase/pocketbase/core"
)

// Fields of the users collection that Circly adds (see ApplyUsers);
// PocketBase's own auth fields have core.FieldName* constants.
const (
	FieldUserDeviceId         = "device_id"
	FieldUserDeviceSecretHash = "device_secret_hash"
	FieldUserPushToken        = "push_token"
	FieldUserIsActive         = "is_active"
	FieldUserLocale           = "locale"
)

var (
	_ core.Model        = (*User)(nil)
	_ core.PreValidator = (*User)(nil)
	_ core.RecordProxy  = (*User)(nil)
)

// User is a typed record of the users collection: one device identity.
type User struct {
	*core.Record
}

// AsUser wraps a users record (nil stays nil). The record is shared, not
// copied: setters change it.
func AsUser(r *core.Record) *User {
	if r == nil {
		return nil
	}
	return &User{Record: r}
}

// NewUser returns a blank, unsaved user. It still needs a password before
// it can be saved (SetRandomPassword: password login is off).
func NewUser(app core.App) (*User, error) {
	r, err := newRecord(app, Users)
	return wrapOne(r, err, AsUser)
}

// PreValidate implements core.PreValidator: it refuses to save a proxy that
// does not hold a users record.
func (u *User) PreValidate(ctx context.Context, app core.App) error {
	return checkProxy(u.Record, Users)
}

// ProxyRecord returns the wrapped record.
func (u *User) ProxyRecord() *core.Record { return u.Record }

// SetProxyRecord replaces the wrapped record.
func (u *User) SetProxyRecord(r *core.Record) { u.Record = r }

// DeviceId returns the device id the user signs in with.
func (u *User) DeviceId() string { return u.GetString(FieldUserDeviceId) }

// SetDeviceId sets the device id.
func (u *User) SetDeviceId(id string) { u.Set(FieldUserDeviceId, id) }

// DeviceSecretHash returns the hex HMAC of the device secret (hidden field).
func (u *User) DeviceSecretHash() string { return u.GetString(FieldUserDeviceSecretHash) }

// SetDeviceSecretHash sets the device secret's hash.
func (u *User) SetDeviceSecretHash(hash string) { u.Set(FieldUserDeviceSecretHash, hash) }

// PushToken returns the Expo push token, or "" when the device has none.
func (u *User) PushToken() string { return u.GetString(FieldUserPushToken) }

// SetPushToken sets the push token ("" clears it).
func (u *User) SetPushToken(token string) { u.Set(FieldUserPushToken, token) }

// Locale returns the user's locale, LocaleDefault when it set none.
func (u *User) Locale() string { return LocaleOrDefault(u.GetString(FieldUserLocale)) }

// SetLocale sets the user's locale (one of Locales, or "").
func (u *User) SetLocale(locale string) { u.Set(FieldUserLocale, locale) }

// IsActive reports whether the account may be used (operators disable it).
func (u *User) IsActive() bool { return u.GetBool(FieldUserIsActive) }

// SetActive enables or disables the account.
func (u *User) SetActive(active bool) { u.Set(FieldUserIsActive, active) }
