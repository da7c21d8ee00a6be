package auth

import (
	"crypto/hmac"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
)

// Account continuity (API.md §11): a transfer code moves an account from a
// phone in hand to a new one; a recovery code, saved by the user, moves it
// when the old phone is gone. Both end the same way (MoveAccount): the
// account, with its id, now signs in with the new device's id and secret,
// the old device id is retired (its logins are a 401) and every token made
// before is revoked.
const (
	// TransferCodeLength is the length of a transfer code, in characters of
	// collections.InviteCodeAlphabet (32 characters: 50 bits).
	TransferCodeLength = 10
	// TransferCodeTTL is how long a transfer code works.
	TransferCodeTTL = 10 * time.Minute
	// RecoveryCodeLength is the number of random characters of a recovery
	// code (120 bits); it is shown in groups of RecoveryCodeGroup joined by
	// dashes, which the server ignores on input, as it ignores spaces and
	// case.
	RecoveryCodeLength = 24
	// RecoveryCodeGroup is the size of the dash-separated groups a recovery
	// code is shown in.
	RecoveryCodeGroup = 4

	// CodeAttemptsPerWindow is how many redeem or recover requests one code
	// value gets per CodeAttemptWindow, from any IP.
	CodeAttemptsPerWindow = 5
	// CodeAttemptWindow is the window of the per-code limit.
	CodeAttemptWindow = 10 * time.Minute
)

var (
	transferCodeRegex = regexp.MustCompile(fmt.Sprintf(`^[%s]{%d}$`, collections.InviteCodeAlphabet, TransferCodeLength))
	recoveryCodeRegex = regexp.MustCompile(fmt.Sprintf(`^[%s]{%d}$`, collections.InviteCodeAlphabet, RecoveryCodeLength))
)

// NormalizeCode is how a typed code is compared: upper case, without the
// spaces and dashes people add when they copy one.
func NormalizeCode(code string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, code))
}

// hashCode returns the keyed hash a normalised code is stored and found
// by.
func (s *Service) hashCode(kind, normalized string) (string, error) {
	return s.Secrets.HashAccountCode(kind, normalized)
}

// NewTransferCode makes a user's transfer code, replacing any earlier one,
// and returns it with its expiry. Only its hash is stored.
func (s *Service) NewTransferCode(app core.App, userId string) (code string, expiresAt types.DateTime, err error) {
	expiresAt, err = types.ParseDateTime(time.Now().Add(TransferCodeTTL))
	if err != nil {
		return "", expiresAt, err
	}
	code, err = s.replaceCode(app, userId, collections.CodeKindTransfer, TransferCodeLength, expiresAt)
	return code, expiresAt, err
}

// NewRecoveryCode makes a user's recovery code, replacing any earlier one,
// and returns it formatted for display (groups joined by dashes). Only its
// hash is stored; the code cannot be shown again.
func (s *Service) NewRecoveryCode(app core.App, userId string) (string, error) {
	code, err := s.replaceCode(app, userId, collections.CodeKindRecovery, RecoveryCodeLength, types.DateTime{})
	if err != nil {
		return "", err
	}
	var groups []string
	for i := 0; i < len(code); i += RecoveryCodeGroup {
		groups = append(groups, code[i:min(i+RecoveryCodeGroup, len(code))])
	}
	return strings.Join(groups, "-"), nil
}

// replaceCode draws a code of length characters and stores its hash as the
// user's only code of kind. A draw that hits an existing hash (the unique
// index; with 2^50 or more values this does not happen in practice) is
// drawn again.
func (s *Service) replaceCode(app core.App, userId, kind string, length int, expiresAt types.DateTime) (string, error) {
	var code string
	var err error
	for range 3 {
		code = security.RandomStringWithAlphabet(length, collections.InviteCodeAlphabet)
		err = app.RunInTransaction(func(txApp core.App) error {
			hash, err := s.hashCode(kind, code)
			if err != nil {
				return err
			}
			if err := collections.DeleteAccountCodes(txApp, userId, kind); err != nil {
				return err
			}
			c, err := collections.NewAccountCode(txApp)
			if err != nil {
				return err
			}
			c.SetUser(userId)
			c.SetKind(kind)
			c.SetCodeHash(hash)
			c.SetExpiresAt(expiresAt)
			return txApp.Save(c)
		})
		if !collections.IsUniqueViolation(err, collections.FieldAccountCodeHash) {
			break
		}
	}
	if err != nil {
		return "", err
	}
	return code, nil
}

// AllowCodeAttempt counts one redeem or recover request with a code value
// (normalised) and reports whether it is within the per-code limit.
func (s *Service) AllowCodeAttempt(kind, normalized string) (ok bool, retryAfter time.Duration, err error) {
	hash, err := s.hashCode(kind, normalized)
	if err != nil {
		return false, 0, err
	}
	ok, retryAfter = s.codeLimiter.Allow(kind + ":" + hash)
	return ok, retryAfter, nil
}

// MoveAccount uses a code (kind, normalised) to move its user onto the
// device dev and returns the user, saved. Everything happens in one
// transaction, so a code is used at most once even when two requests race.
//
// The new device:
//   - is the account's own device already: its secret must match; the
//     code is used and the tokens are renewed, nothing else changes;
//   - is a retired id (an account moved away from it): ErrDeviceRetired;
//   - has never signed in: it becomes the account's device;
//   - signs in to another account (the app logs in at first launch, so a
//     new phone usually has one): dev's secret must match that account's,
//     and that account must be in no circle (no active membership); it is
//     then deleted and its device id (and push token, the same phone's)
//     moves over. Otherwise ErrDeviceInUse.
//
// Then the account's old device id is retired, its token key is renewed
// (every earlier token stops verifying), the code is deleted, and for a
// recovery any pending transfer code too (the lost phone may have made one).
//
// Errors: ErrTransferCodeNotFound, ErrTransferCodeExpired (transfer),
// ErrRecoveryCodeWrong (recovery), ErrUserDisabled (the account or the new
// device's account is disabled), ErrDeviceSecretMismatch, ErrDeviceRetired,
// ErrDeviceInUse.
func (s *Service) MoveAccount(app core.App, kind, normalized string, dev DeviceCredentials) (*collections.User, error) {
	notFound := ErrTransferCodeNotFound
	if kind == collections.CodeKindRecovery {
		notFound = ErrRecoveryCodeWrong
	}
	shape := transferCodeRegex
	if kind == collections.CodeKindRecovery {
		shape = recoveryCodeRegex
	}
	if !shape.MatchString(normalized) {
		return nil, notFound
	}
	codeHash, err := s.hashCode(kind, normalized)
	if err != nil {
		return nil, err
	}
	secretHash, err := s.Secrets.HashDeviceSecret(dev.DeviceSecret)
	if err != nil {
		return nil, err
	}
	newDeviceHash, err := s.Secrets.HashRetiredDevice(dev.DeviceId)
	if err != nil {
		return nil, err
	}

	var user *collections.User
	err = app.RunInTransaction(func(txApp core.App) error {
		code, err := collections.FindAccountCode(txApp, kind, codeHash)
		if err != nil {
			return err
		}
		if code == nil {
			return notFound
		}
		if kind == collections.CodeKindTransfer && !code.ExpiresAt().IsZero() && !time.Now().Before(code.ExpiresAt().Time()) {
			return ErrTransferCodeExpired
		}
		user, err = collections.FindUser(txApp, code.User())
		if err != nil {
			return err
		}
		if !user.IsActive() {
			return ErrUserDisabled
		}

		if dev.DeviceId == user.DeviceId() {
			if !hmac.Equal([]byte(user.DeviceSecretHash()), []byte(secretHash)) {
				return ErrDeviceSecretMismatch
			}
		} else {
			pushToken, err := s.takeOverDevice(txApp, dev.DeviceId, newDeviceHash, secretHash)
			if err != nil {
				return err
			}
			oldDeviceHash, err := s.Secrets.HashRetiredDevice(user.DeviceId())
			if err != nil {
				return err
			}
			if err := collections.RetireDevice(txApp, oldDeviceHash); err != nil {
				return err
			}
			user.SetDeviceId(dev.DeviceId)
			user.SetDeviceSecretHash(secretHash)
			// the old phone's push token would keep getting this account's
			// pushes; the new phone's (if it had signed in) takes its place
			user.SetPushToken(pushToken)
		}

		if err := txApp.Delete(code); err != nil {
			return err
		}
		if kind == collections.CodeKindRecovery {
			if err := collections.DeleteAccountCodes(txApp, user.Id, collections.CodeKindTransfer); err != nil {
				return err
			}
		}
		user.RefreshTokenKey()
		return txApp.Save(user)
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// takeOverDevice frees a device id for the account moving onto it and
// returns the push token to keep (see MoveAccount).
func (s *Service) takeOverDevice(txApp core.App, deviceId, deviceIdHash, secretHash string) (pushToken string, err error) {
	retired, err := collections.IsDeviceRetired(txApp, deviceIdHash)
	if err != nil {
		return "", err
	}
	if retired {
		return "", ErrDeviceRetired
	}
	current, err := collections.FindUserByDeviceId(txApp, deviceId)
	if err != nil || current == nil {
		return "", err
	}
	if !hmac.Equal([]byte(current.DeviceSecretHash()), []byte(secretHash)) {
		return "", ErrDeviceSecretMismatch
	}
	if !current.IsActive() {
		return "", ErrUserDisabled
	}
	memberships, err := collections.ActiveMembershipsOfUser(txApp, current.Id)
	if err != nil {
		return "", err
	}
	if len(memberships) > 0 {
		return "", ErrDeviceInUse
	}
	pushToken = current.PushToken()
	if err := txApp.Delete(current); err != nil {
		return "", err
	}
	return pushToken, nil
}
