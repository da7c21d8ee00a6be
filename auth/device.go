package auth

import (
	"crypto/hmac"
	"regexp"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/request"
)

// DeviceAuthPath is the device login route (API.md §1).
const DeviceAuthPath = "/api/circly/auth/device"

var deviceIdRegex = regexp.MustCompile(collections.DeviceIdPattern)

// DeviceCredentials is the body of a device login.
type DeviceCredentials struct {
	DeviceId     string `json:"device_id" form:"device_id"`
	DeviceSecret string `json:"device_secret" form:"device_secret"`
}

// Validate checks the shape of the credentials (not their truth).
func (c DeviceCredentials) Validate() error {
	return validation.ValidateStruct(&c,
		validation.Field(&c.DeviceId, validation.Required, validation.Length(8, 255), validation.Match(deviceIdRegex)),
		validation.Field(&c.DeviceSecret, validation.Required, validation.Length(32, 256)),
	)
}

func (s *Service) registerDeviceAuth(app core.App) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Router.POST(DeviceAuthPath, s.handleDeviceAuth)
		return e.Next()
	})
}

// handleDeviceAuth registers an unknown device or logs a known one in and
// answers with PocketBase's auth response plus meta.created.
func (s *Service) handleDeviceAuth(e *core.RequestEvent) error {
	if err := request.Read(e); err != nil {
		return err
	}
	var body DeviceCredentials
	if err := e.BindBody(&body); err != nil {
		return e.BadRequestError("The request body is not valid JSON.", err)
	}
	if err := body.Validate(); err != nil {
		return e.BadRequestError("Invalid device credentials.", err)
	}

	user, created, err := s.DeviceLogin(e.App, body)
	if err != nil {
		return apiError(e, err)
	}

	if created {
		e.Response.Header().Set("Location", "/api/collections/"+collections.Users+"/records/"+user.Id)
	}
	return apis.RecordAuthResponse(e, user.Record, "device", map[string]any{"created": created})
}

// DeviceLogin finds the user of a device and checks its secret, or creates
// the user when the device is new. created reports which happened.
//
// Two first logins of the same device racing each other both try to insert;
// the unique index on device_id lets one win and the other falls back to a
// normal login with the winner's secret.
func (s *Service) DeviceLogin(app core.App, c DeviceCredentials) (user *collections.User, created bool, err error) {
	hash, err := s.Secrets.HashDeviceSecret(c.DeviceSecret)
	if err != nil {
		return nil, false, err
	}

	user, err = collections.FindUserByDeviceId(app, c.DeviceId)
	if err != nil {
		return nil, false, err
	}
	if user == nil {
		// an id whose account moved to another device stays refused: a new
		// account on it would look like the old one lost everything
		retiredHash, err := s.Secrets.HashRetiredDevice(c.DeviceId)
		if err != nil {
			return nil, false, err
		}
		retired, err := collections.IsDeviceRetired(app, retiredHash)
		if err != nil {
			return nil, false, err
		}
		if retired {
			return nil, false, ErrDeviceRetired
		}
		user, err = createDeviceUser(app, c.DeviceId, hash)
		if err == nil {
			return user, true, nil
		}
		// lost a race with the same device: continue as a login
		var lookupErr error
		user, lookupErr = collections.FindUserByDeviceId(app, c.DeviceId)
		if lookupErr != nil || user == nil {
			return nil, false, err
		}
	}

	if !hmac.Equal([]byte(user.DeviceSecretHash()), []byte(hash)) {
		return nil, false, ErrDeviceSecretMismatch
	}
	if !user.IsActive() {
		return nil, false, ErrUserDisabled
	}
	return user, false, nil
}

func createDeviceUser(app core.App, deviceId, secretHash string) (*collections.User, error) {
	user, err := collections.NewUser(app)
	if err != nil {
		return nil, err
	}
	user.SetDeviceId(deviceId)
	user.SetDeviceSecretHash(secretHash)
	user.SetActive(true)
	// password login is disabled for users; the auth collection still
	// requires a password, so it gets a random one nobody knows
	user.SetRandomPassword()
	if err := app.Save(user); err != nil {
		return nil, err
	}
	return user, nil
}
