package collections

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// DeviceIdPattern is the accepted shape of a device id (API.md §1).
const DeviceIdPattern = `^[A-Za-z0-9._:-]{8,255}$`

// PushTokenPattern accepts the two bracket forms of an Expo push token, or
// nothing. Expo's own SDK also accepts bare UUIDs; the contract does not.
const PushTokenPattern = `^(Expo(nent)?PushToken\[[\x21-\x5c\x5e-\x7e]{1,200}\])?$`

// ApplyUsers reshapes PocketBase's default "users" auth collection into
// Circly's device identities.
//
// Rules: a user views and updates only itself and can never list others.
// Only push_token and locale are writable by the owner: the update hook
// refuses a body that names any other field with a 400 that says so.
// Password login is off: the only way in is POST /api/circly/auth/device.
// The auth rule refuses disabled users, so login and authRefresh answer 403.
func ApplyUsers(c *core.Collection) {
	// the default demo fields are not part of Circly
	c.Fields.RemoveByName("name")
	c.Fields.RemoveByName("avatar")

	if f, ok := c.Fields.GetByName("email").(*core.EmailField); ok {
		f.Required = false
	}
	ApplyUsersHelp(c)
	// password login is off and the password is random: a cheap bcrypt cost
	// keeps first logins fast without weakening anything
	if f, ok := c.Fields.GetByName("password").(*core.PasswordField); ok {
		f.Cost = 4
	}

	c.Fields.Add(&core.TextField{
		Name:     "device_id",
		Required: true,
		Min:      8,
		Max:      255,
		Pattern:  DeviceIdPattern,
	})
	c.Fields.Add(&core.TextField{
		// hex HMAC-SHA256 of the device secret under the server's pepper
		Name:   "device_secret_hash",
		Hidden: true,
		Max:    128,
		Help:   helpUserDeviceSecretHash,
	})
	c.Fields.Add(&core.TextField{
		Name:    "push_token",
		Max:     255,
		Pattern: PushTokenPattern,
		Help:    helpUserPushToken,
	})
	c.Fields.Add(&core.BoolField{Name: "is_active", Help: helpUserIsActive})
	ApplyUserLocale(c)

	self := `@request.auth.id != "" && id = @request.auth.id`
	c.ListRule = nil
	c.ViewRule = ptr(self)
	c.CreateRule = nil
	c.UpdateRule = ptr(self)
	c.DeleteRule = ptr(self)
	c.AuthRule = ptr("is_active = true")
	c.ManageRule = nil

	c.PasswordAuth.Enabled = false
	c.OAuth2.Enabled = false
	c.OTP.Enabled = false
	c.MFA.Enabled = false
	c.AuthAlert.Enabled = false
	c.AuthToken.Duration = 7 * 24 * 60 * 60

	c.AddIndex("idx_users_device_id", true, "device_id", "")
	c.AddIndex("idx_users_push_token", false, "push_token", "push_token != ''")
}

// ApplyUserLocale adds users.locale (or redefines it in place): the
// language the user's pushes are written in (API.md §12), set by the app;
// one of Locales, empty reading as LocaleDefault.
func ApplyUserLocale(c *core.Collection) {
	c.Fields.Add(&core.SelectField{Name: FieldUserLocale, MaxSelect: 1, Values: slices.Clone(Locales),
		Help: "The language of the user's pushes, set by the app. Empty means " + LocaleDefault + "."})
}

// Help texts of the users fields, shown in the dashboard.
const (
	helpUserEmail            = "Unused: Circly users sign in with their device, not an email (password login is off). Empty."
	helpUserEmailVisibility  = "Unused (no emails)."
	helpUserVerified         = "Unused (no emails); it grants nothing."
	helpUserDeviceSecretHash = "Keyed hash of the device secret the app holds; the secret itself is never stored. Set by the server."
	helpUserPushToken        = "The Expo push token the app registered; emptied by the server when Expo says the device is gone."
	helpUserIsActive         = "Off: the account is disabled (no sign-in, no pushes). Device login turns it on for a new account."
)

// ApplyUsersHelp sets the help texts of the users fields PocketBase
// defines (email, emailVisibility, verified); the fields Circly adds carry
// their own.
func ApplyUsersHelp(c *core.Collection) {
	if f, ok := c.Fields.GetByName("email").(*core.EmailField); ok {
		f.Help = helpUserEmail
	}
	if f, ok := c.Fields.GetByName("emailVisibility").(*core.BoolField); ok {
		f.Help = helpUserEmailVisibility
	}
	if f, ok := c.Fields.GetByName("verified").(*core.BoolField); ok {
		f.Help = helpUserVerified
	}
}
