// Package auth is who may use Circly: the device login (a device id and
// secret instead of a password), moving an account to a new device
// (transfer and recovery codes), the users collection's rules, and the
// request middlewares that refuse disabled accounts and anonymous creates.
// Rules are plain functions over core.App; the handlers decode a request,
// call one of them and map its error (apiError).
package auth

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/config"
	"circly/keys"
	"circly/request"
)

// Service carries what the auth routes share: settings and the server key
// (device secrets are stored as its HMAC). It holds no app: every function
// takes the app (or transaction app) it runs on.
type Service struct {
	Config  config.Config
	Secrets *keys.Secrets

	// codeLimiter holds each transfer or recovery code value to
	// CodeAttemptsPerWindow redeem/recover requests (API.md §11)
	codeLimiter *request.KeyRateLimiter
}

// Register binds the device login route, the account continuity routes,
// the users hooks, the users cache and the request middlewares to app;
// secrets is the server key.
func Register(app core.App, cfg config.Config, secrets *keys.Secrets) *Service {
	s := &Service{Config: cfg, Secrets: secrets, codeLimiter: request.NewKeyRateLimiter(CodeAttemptsPerWindow, CodeAttemptWindow)}
	newUserCache().register(app)
	registerMiddlewares(app)
	s.registerDeviceAuth(app)
	s.registerContinuity(app)
	registerUsers(app)
	return s
}
