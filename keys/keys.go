// Package keys holds the server key (circly.key) and the keys derived from it.
package keys

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// FileName is the default name of the server key inside the data dir.
const FileName = "circly.key"

// Secrets holds the server's master key and the keys derived from it.
//
// Why a file and not a settings row: the master key must not sit in any row
// that a collection API, the dashboard's record lists or a dump of the votes
// table shows. It lives in <data dir>/circly.key (mode 0600), created on
// first start from crypto/rand. PocketBase backups zip the whole data dir,
// so a restored backup brings its key along and the vote hashes of open
// polls keep de-duplicating.
//
// Keys derived from it:
//   - the device-secret pepper: device secrets are stored as
//     HMAC-SHA256(pepper, secret), fast to check and useless without the file;
//   - the vote key of each poll: HMAC-SHA256(master, "vote:" + poll id + salt),
//     where the random salt is kept per open poll in a table that is not a
//     collection and is deleted when the poll closes, which makes the poll's
//     voter hashes impossible to recompute from then on;
//   - the participation key: HMAC-SHA256 of (poll, user) recording who took
//     part in a poll (for "voted" and reminders), stored apart from votes.
type Secrets struct {
	path string

	once   sync.Once
	master []byte
	pepper []byte
	err    error
}

// New returns the secrets kept at path; nothing is read until first use.
func New(path string) *Secrets {
	return &Secrets{path: path}
}

func (s *Secrets) load() error {
	s.once.Do(func() {
		s.master, s.err = loadOrCreateKey(s.path)
		if s.err == nil {
			s.pepper = s.derive("device-secret-pepper/v1")
		}
	})
	return s.err
}

func (s *Secrets) derive(label string) []byte {
	m := hmac.New(sha256.New, s.master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// HashDeviceSecret returns the hex HMAC-SHA256 of a device secret.
func (s *Secrets) HashDeviceSecret(secret string) (string, error) {
	if err := s.load(); err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, s.pepper)
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// VoteKey returns the key of one poll from its salt.
func (s *Secrets) VoteKey(pollId string, salt []byte) ([]byte, error) {
	if err := s.load(); err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, s.master)
	m.Write([]byte("vote-key/v1:"))
	m.Write([]byte(pollId))
	m.Write([]byte{0})
	m.Write(salt)
	return m.Sum(nil), nil
}

// ParticipationHash returns the keyed hash recording that a user took part
// in a poll. Its key outlives the poll (unlike the vote key), and it is
// stored apart from the vote rows, so it says who voted, never what.
func (s *Secrets) ParticipationHash(pollId, userId string) (string, error) {
	if err := s.load(); err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, s.derive("participation/v1"))
	m.Write([]byte(pollId))
	m.Write([]byte{0})
	m.Write([]byte(userId))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// Check loads the key (creating it on first start) and reports any problem.
func (s *Secrets) Check() error {
	return s.load()
}

func loadOrCreateKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err == nil {
		key, decErr := hex.DecodeString(strings.TrimSpace(string(raw)))
		if decErr != nil || len(key) != 32 {
			return nil, fmt.Errorf("secret file %s is corrupt: expected 64 hex characters", path)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret file: %w", err)
	}

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// write a temp file, then link it into place: a concurrent starter either
	// wins the link or reads the complete key the other one linked
	tmp, err := os.CreateTemp(dir, ".circly-key-*")
	if err != nil {
		return nil, fmt.Errorf("create secret file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return loadOrCreateKey(path)
		}
		return nil, fmt.Errorf("create secret file: %w", err)
	}
	return key, nil
}
