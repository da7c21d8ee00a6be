// Package circles is Circly's groups of friends: creating a circle (its
// creator becomes the first member), invites (a new code and link, the
// public preview), joining, leaving and removing members, nicknames, and
// the public invite landing page.
//
// The rules are plain functions over core.App (JoinCircle, LeaveCircle,
// RemoveMember, NewInvite, …) that return this package's sentinel errors;
// the handlers and record hooks decode a request, call one of them and map
// its error to HTTP in one place (apiError).
package circles

import (
	"io/fs"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/config"
	"circly/request"
)

// Circle routes (API.md §2); the public preview is InvitePreviewPath.
const (
	JoinCirclePath   = "/api/circly/circles/join"
	NewInvitePath    = "/api/circly/circles/{id}/invite"
	LeaveCirclePath  = "/api/circly/circles/{id}/leave"
	RemoveMemberPath = "/api/circly/circles/{id}/remove"
)

// Service carries what the circle routes share: settings, the landing
// page files and the per-user join limiter. It holds no app: every
// function takes the app (or transaction app) it runs on.
type Service struct {
	Config config.Config

	// Public is the file system served at the site root (the invite landing
	// page); nil serves nothing.
	Public fs.FS

	joinLimiter *request.KeyRateLimiter
}

// Register binds the circle and member routes and hooks and the landing
// page to app.
func Register(app core.App, cfg config.Config, public fs.FS) *Service {
	s := &Service{
		Config:      cfg,
		Public:      public,
		joinLimiter: request.NewKeyRateLimiter(cfg.JoinPerUserLimit, joinLimitWindow),
	}
	s.registerCircles(app)
	s.registerMembers(app)
	registerMemberCount(app)
	registerBlockedWords(app)
	s.registerPublic(app)
	return s
}

func (s *Service) registerCircles(app core.App) {
	app.OnRecordCreateRequest(collections.Circles).BindFunc(onCircleCreateRequest)
	app.OnRecordUpdateRequest(collections.Circles).BindFunc(onCircleUpdateRequest)
	app.OnRecordDeleteRequest(collections.Circles).BindFunc(onCircleDeleteRequest)

	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Router.POST(JoinCirclePath, s.handleJoin)
		e.Router.POST(NewInvitePath, handleNewInvite)
		e.Router.POST(LeaveCirclePath, handleLeave)
		e.Router.POST(RemoveMemberPath, handleRemove)
		e.Router.GET(InvitePreviewPath, handleInvitePreview)
		return e.Next()
	})
}
