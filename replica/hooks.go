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
		if _, err := app.NonconcurrentDB().NewQuery("PRAGMA wal_autocheckpoint=0").Execute(); err != nil {
			return err
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
