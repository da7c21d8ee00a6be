// Package hooks holds Circly's behaviour on top of PocketBase: custom routes,
// record hooks and middlewares, one file per domain (device auth, users,
// circles, polls, votes, results). Handlers are thin; the rules live in plain
// functions that take the (transaction) app explicitly so they can be tested
// and composed inside one transaction.
package hooks

import (
	"circly/config"
	"circly/keys"
	"circly/store"
	"io/fs"
	"path/filepath"
	"sync"

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

	ballotMu   sync.Mutex
	ballots    *ballotBox
	terminated bool

	forgetMu      sync.Mutex
	forgetPending bool
}

// Register binds all of Circly's routes, hooks and middlewares to app and
// returns the service they share.
func Register(app core.App, cfg config.Config, public fs.FS) *Service {
	secretFile := cfg.SecretFile
	if secretFile == "" {
		secretFile = filepath.Join(app.DataDir(), keys.FileName)
	}

	s := &Service{
		Config:  cfg,
		Secrets: keys.New(secretFile),
		Public:  public,
	}

	app.Store().Set(serviceStoreKey, s)

	// fail fast at start-up when the key cannot be read or created
	app.OnBootstrap().BindFunc(func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if err := store.CheckSecureDelete(e.App); err != nil {
			return err
		}
		return s.Secrets.Check()
	})

	// write the votes still queued before the app goes away
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.closeBallots()
		return e.Next()
	})

	s.registerMiddlewares(app)
	s.registerDeviceAuth(app)
	s.registerUsers(app)
	s.registerCircles(app)
	s.registerMembers(app)
	s.registerPolls(app)
	s.registerVotes(app)
	s.registerResults(app)
	s.registerPublic(app)

	return s
}

const serviceStoreKey = "circly.service"

// ServiceOf returns the service Register bound to app, or nil.
func ServiceOf(app core.App) *Service {
	s, _ := app.Store().Get(serviceStoreKey).(*Service)
	return s
}
