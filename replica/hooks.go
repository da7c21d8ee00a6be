package replica

import (
	"context"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"

	"circly/store"
)

// Register starts replication of the app's main database when the server
// starts serving and stops it (after a last sync) when it terminates.
// Nothing happens when s has no URL. A replica that cannot start stops the
// server from starting: running without the durability the operator asked
// for would fail silently.
func Register(app core.App, s Settings) {
	if !s.Enabled() {
		return
	}
	var running *Replicator
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		r, err := Start(context.Background(), filepath.Join(app.DataDir(), DBFile), s)
		if err != nil {
			return err
		}
		running = r
		// Litestream checkpoints (after copying the frames) and holds a
		// read transaction in between, so the write connection's automatic
		// checkpoints could not pass it: each commit past 1,000 WAL pages
		// would try one in vain (Litestream's own connection runs with them
		// off). A connection the pool opens later has them on again: slower,
		// not wrong.
		if _, err := app.NonconcurrentDB().NewQuery("PRAGMA wal_autocheckpoint=0").Execute(); err != nil {
			app.Logger().Warn("replica: automatic checkpoints left on", "error", err.Error())
		}
		store.SetWALTruncater(app, func() error { return r.TruncateWAL(context.Background()) })
		return e.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		if running != nil {
			store.SetWALTruncater(app, nil)
			ctx, cancel := context.WithTimeout(context.Background(), shutdownSync)
			if err := running.Stop(ctx); err != nil {
				app.Logger().Error("replica: stop", "error", err.Error())
			}
			cancel()
			running = nil
		}
		return e.Next()
	})
}
