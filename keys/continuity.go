package keys

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Keys of account continuity (API.md §11), derived from the master key like
// the device-secret pepper:
//   - the code key: transfer and recovery codes are stored only as
//     HMAC-SHA256(code key, kind, code), so the table of codes says nothing
//     without circly.key, and a code is found by its hash (a unique index);
//   - the retired-device key: the device ids an account has moved away from
//     are kept as HMAC-SHA256(retired-device key, device id), enough to
//     refuse them at login without keeping the ids themselves.

// HashAccountCode returns the hex keyed hash of a transfer or recovery code
// of the given kind. code must already be normalised (see the auth package).
func (s *Secrets) HashAccountCode(kind, code string) (string, error) {
	if err := s.load(); err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, s.derive("account-code/v1"))
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// HashRetiredDevice returns the hex keyed hash of a device id that no longer
// signs in (its account moved to another device).
func (s *Secrets) HashRetiredDevice(deviceId string) (string, error) {
	if err := s.load(); err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, s.derive("retired-device/v1"))
	m.Write([]byte(deviceId))
	return hex.EncodeToString(m.Sum(nil)), nil
}
