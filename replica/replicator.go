package replica

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/benbjohnson/litestream"
)

// shutdownSync bounds the final sync on a clean stop.
const shutdownSync = 10 * time.Second

// Replicator runs Litestream on one database.
type Replicator struct {
	db    *litestream.DB
	store *litestream.Store
}

// Start begins replicating the database at dbPath. The database must be in
// WAL mode (PocketBase's is).
func Start(ctx context.Context, dbPath string, s Settings) (*Replicator, error) {
	if !s.Enabled() {
		return nil, errors.New("replica: no replica URL")
	}
	client, err := NewClient(s.URL, s.S3Endpoint)
	if err != nil {
		return nil, err
	}
	logger := Logger()

	db := litestream.NewDB(dbPath)
	db.SetLogger(logger)
	db.MonitorInterval = s.SyncInterval
	r := litestream.NewReplicaWithClient(db, client)
	r.SyncInterval = s.SyncInterval
	db.Replica = r

	st := litestream.NewStore([]*litestream.DB{db}, litestream.DefaultCompactionLevels)
	st.Logger = logger
	db.SetLogger(logger) // NewStore gave it the default logger
	// A snapshot every retention period: history older than the retention
	// (and with it the pre-close pages of a closed poll) leaves the replica
	// once the snapshot taken after it is the oldest one kept.
	st.SnapshotInterval = s.Retention
	st.SnapshotRetention = s.Retention
	st.SetShutdownSyncTimeout(shutdownSync)
	if err := st.Open(ctx); err != nil {
		_ = st.Close(context.Background())
		return nil, fmt.Errorf("replica: start: %w", err)
	}
	return &Replicator{db: db, store: st}, nil
}

// Stop ships what is left and stops replication.
func (r *Replicator) Stop(ctx context.Context) error {
	if err := r.db.SyncAndWait(ctx); err != nil && ctx.Err() == nil {
		_ = r.store.Close(ctx)
		return err
	}
	return r.store.Close(ctx)
}

// Sync ships everything committed so far to the replica and waits for it.
func (r *Replicator) Sync(ctx context.Context) error {
	return r.db.SyncAndWait(ctx)
}

// TruncateWAL is store.TruncateWAL while replicating: the checkpoint goes
// through Litestream, which first copies every WAL frame into its LTX
// files, so no frame is lost to the replica. It fails (and can be retried)
// when the WAL was not restarted: a reader held it up, or a snapshot was
// running.
func (r *Replicator) TruncateWAL(ctx context.Context) error {
	before, err := walHeader(r.db.WALPath())
	if err != nil {
		return err
	}
	if err := r.db.Checkpoint(ctx, litestream.CheckpointModeTruncate); err != nil {
		return err
	}
	after, err := walHeader(r.db.WALPath())
	if err != nil {
		return err
	}
	if before != nil && bytes.Equal(before, after) {
		return errors.New("checkpoint did not restart the WAL")
	}
	return nil
}

// walHeader reads the WAL's 32-byte header (nil for a missing or empty
// WAL). Its salts change whenever the WAL restarts.
func walHeader(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 32)
	if _, err := io.ReadFull(f, buf); errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return buf, nil
}
