// Package server is Circly's composition root: it builds what the domain
// packages share (settings, the server key) and registers each of them on
// a PocketBase app. main.go and the test apps (circlytest) call Register,
// so the tests run exactly what the binary runs. The push dispatcher
// (notify) is wired in main.go on top of it, through small interfaces.
package server

import (
	"io/fs"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"

	"circly/auth"
	"circly/blocks"
	"circly/circles"
	"circly/config"
	"circly/dashboard"
	"circly/keys"
	"circly/moderation"
	"circly/polls"
	"circly/request"
	"circly/store"
)

// Circly holds the services Register bound to an app.
type Circly struct {
	Config config.Config
	Keys   *keys.Secrets
	// SecretFile is the key file in effect (Config.SecretFile, or the
	// data dir's circly.key).
	SecretFile string
	Auth       *auth.Service
	Circles    *circles.Service
	Polls      *polls.Service

	Moderation *moderation.Service
}

// Register binds all of Circly's routes, hooks and middlewares to app.
// public is the file system served at the site root (the invite landing
// page); nil serves nothing.
func Register(app core.App, cfg config.Config, public fs.FS) *Circly {
	secretFile := cfg.SecretFile
	if secretFile == "" {
		secretFile = filepath.Join(app.DataDir(), keys.FileName)
	}
	c := &Circly{Config: cfg, Keys: keys.New(secretFile), SecretFile: secretFile}
	app.Store().Set(storeKey, c)

	// fail fast at start-up when the database was opened without
	// secure_delete, or the key cannot be read or created
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if err := store.CheckSecureDelete(e.App); err != nil {
			return err
		}
		return c.Keys.Check()
	})

	c.Auth = auth.Register(app, cfg, c.Keys)
	c.Circles = circles.Register(app, cfg, public)
	c.Polls = polls.Register(app, cfg, c.Keys)
	c.Moderation = moderation.Register(app, cfg)
	blocks.Register(app)
	request.BindListQueryErrors(app)
	dashboard.Register(app)
	registerMetrics(app, c)
	return c
}

const storeKey = "circly.server"

// Of returns what Register bound to app, or nil.
func Of(app core.App) *Circly {
	c, _ := app.Store().Get(storeKey).(*Circly)
	return c
}
