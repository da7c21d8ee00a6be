// Package replica ships Circly's main database (pb_data/data.db) to a file
// or S3-compatible replica with Litestream's library, and restores it.
//
// Only data.db is replicated. auxiliary.db holds PocketBase's request and
// app logs: nothing a restore needs, and the votes routes leave nothing in
// it anyway. circly.key is never replicated: a replica alone cannot
// recompute a voter_hash.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	_ "github.com/benbjohnson/litestream/s3" // registers the s3:// client

	"circly/config"
)

// DBFile is the database replicated inside the data dir.
const DBFile = "data.db"

// KeyFile may already be in a data dir that a restore fills.
const KeyFile = "circly.key"

// Settings configure replication; a blank URL turns it off.
type Settings struct {
	URL          string
	S3Endpoint   string
	SyncInterval time.Duration
	Retention    time.Duration
}

// SettingsFrom picks the replica settings out of Circly's config.
func SettingsFrom(c config.Config) Settings {
	return Settings{
		URL:          c.ReplicaURL,
		S3Endpoint:   c.ReplicaS3Endpoint,
		SyncInterval: c.ReplicaSyncInterval,
		Retention:    c.ReplicaRetention,
	}
}

// Enabled reports whether replication is configured.
func (s Settings) Enabled() bool { return s.URL != "" }

// ErrBadURL is returned for a replica URL that is neither file:// nor s3://.
var ErrBadURL = errors.New("replica URL must be file:///path or s3://bucket/prefix")

// NewClient returns the Litestream replica client for a replica URL.
// An s3:// URL takes its endpoint from endpoint (unless the URL carries
// ?endpoint=) and its credentials from the usual AWS_* variables.
func NewClient(rawURL, endpoint string) (litestream.ReplicaClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	switch u.Scheme {
	case "file":
		if u.Path == "" || u.Host != "" {
			return nil, fmt.Errorf("%w: a file replica needs an absolute path (file:///path), got %q", ErrBadURL, rawURL)
		}
		return file.NewReplicaClient(u.Path), nil
	case "s3":
		if u.Host == "" {
			return nil, fmt.Errorf("%w: no bucket in %q", ErrBadURL, rawURL)
		}
		if endpoint != "" && u.Query().Get("endpoint") == "" {
			q := u.Query()
			q.Set("endpoint", endpoint)
			u.RawQuery = q.Encode()
		}
		return litestream.NewReplicaClientFromURL(u.String())
	default:
		return nil, fmt.Errorf("%w, got %q", ErrBadURL, rawURL)
	}
}

// Logger is where Litestream's own messages go: warnings and errors on
// stderr (its info messages, one per compaction, would flood the log).
func Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("component", "replica")
}

// ErrNotEmpty is returned by Restore for a data dir holding anything but
// circly.key.
var ErrNotEmpty = errors.New("restore needs an empty data dir (circly.key may be there)")

// Restore writes the newest replicated state of the main database into
// dir/data.db. dir must be missing or empty except for circly.key.
func Restore(ctx context.Context, rawURL, endpoint, dir string) error {
	if err := checkEmpty(dir); err != nil {
		return err
	}
	client, err := NewClient(rawURL, endpoint)
	if err != nil {
		return err
	}
	if err := client.Init(ctx); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := litestream.NewReplicaWithClient(nil, client)
	opt := litestream.NewRestoreOptions()
	opt.OutputPath = filepath.Join(dir, DBFile)
	opt.IntegrityCheck = litestream.IntegrityCheckQuick
	return r.Restore(ctx, opt)
}

func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	var others []string
	for _, e := range entries {
		if e.Name() != KeyFile {
			others = append(others, e.Name())
		}
	}
	if len(others) > 0 {
		return fmt.Errorf("%w: %s holds %s", ErrNotEmpty, dir, strings.Join(others, ", "))
	}
	return nil
}
