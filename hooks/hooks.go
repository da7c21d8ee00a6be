// Package hooks holds Circly's behaviour on top of PocketBase: custom routes,
// record hooks and middlewares, one file per domain (device auth, users,
// circles; the polls domain is package polls). Handlers are thin; the rules
// live in plain functions that take the (transaction) app explicitly so they
// can be tested and composed inside one transaction.
package hooks

import (
	"circly/config"
	"circly/keys"
	"io/fs"

	"github.com/pocketbase/pocketbase/core"
)

// Service carries what Circly's hooks share: settings and secrets. It holds
// no app: every function takes the app (or transaction app) it runs on.
type Service struct {
	Config  config.Config
	Secrets *keys.Secrets

	// Public is the file system served at the site root (the invite landing
	// page); nil serves nothing.
	Public fs.FS
}

// Register binds the routes, hooks and middlewares of this package to app
// and returns the service they share; secrets is the server key.
func Register(app core.App, cfg config.Config, secrets *keys.Secrets, public fs.FS) *Service {
	s := &Service{
		Config:  cfg,
		Secrets: secrets,
		Public:  public,
	}

	app.Store().Set(serviceStoreKey, s)

	s.registerMiddlewares(app)
	s.registerDeviceAuth(app)
	s.registerUsers(app)
	s.registerCircles(app)
	s.registerMembers(app)
	s.registerPublic(app)

	return s
}

const serviceStoreKey = "circly.service"

// ServiceOf returns the service Register bound to app, or nil.
func ServiceOf(app core.App) *Service {
	s, _ := app.Store().Get(serviceStoreKey).(*Service)
	return s
}
