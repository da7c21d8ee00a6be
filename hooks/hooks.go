// Package hooks holds Circly's behaviour on top of PocketBase that has not
// moved to its domain package yet: polls, votes and results (device auth
// and users are in auth, circles and members in circles). Handlers are thin; the rules live in plain
// functions that take the (transaction) app explicitly so they can be tested
// and composed inside one transaction.
package hooks

import (
	"circly/config"
	"circly/keys"
	"sync"

	"github.com/pocketbase/pocketbase/core"
)

// Service carries what Circly's hooks share: settings and secrets. It holds
// no app: every function takes the app (or transaction app) it runs on.
type Service struct {
	Config  config.Config
	Secrets *keys.Secrets

	ballotMu   sync.Mutex
	ballots    *ballotBox
	terminated bool

	forgetMu      sync.Mutex
	forgetPending bool
}

// Register binds the routes, hooks and middlewares of this package to app
// and returns the service they share; secrets is the server key.
func Register(app core.App, cfg config.Config, secrets *keys.Secrets) *Service {
	s := &Service{
		Config:  cfg,
		Secrets: secrets,
	}

	app.Store().Set(serviceStoreKey, s)

	// write the votes still queued before the app goes away
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.closeBallots()
		return e.Next()
	})

	s.registerPolls(app)
	s.registerVotes(app)
	s.registerResults(app)

	return s
}

const serviceStoreKey = "circly.service"

// ServiceOf returns the service Register bound to app, or nil.
func ServiceOf(app core.App) *Service {
	s, _ := app.Store().Get(serviceStoreKey).(*Service)
	return s
}
