package auth

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"circly/collections"
	"circly/request"
)

// Middleware ids.
const (
	// MiddlewareDisabledUserId identifies the middleware that refuses disabled users.
	MiddlewareDisabledUserId = "circlyDisabledUser"
	// MiddlewareRequireUserForCreateId identifies the middleware that answers
	// 401 to anonymous creates of circles, polls, votes, reports and blocks.
	MiddlewareRequireUserForCreateId = "circlyRequireUserForCreate"
)

// userCreatePath matches the collection API's create routes that need a
// signed-in user, by collection name or id.
var userCreatePath = regexp.MustCompile(`^/api/collections/(` + strings.Join([]string{
	collections.Circles, collections.CirclesId,
	collections.Polls, collections.PollsId,
	collections.Votes, collections.VotesId,
	collections.Reports, collections.ReportsId,
	collections.Blocks, collections.BlocksId,
}, "|") + `)/records/?$`)

func registerMiddlewares(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			// Both run right after PocketBase has loaded the auth record.
			e.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       MiddlewareRequireUserForCreateId,
				Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 2,
				Func:     requireUserForCreate,
			})
			e.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       MiddlewareDisabledUserId,
				Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 1,
				Func:     refuseDisabledUser,
			})
			return e.Next()
		},
	})
}

// requireUserForCreate: creating a circle, poll, vote, report or block needs a signed-in
// user; say so with a 401 instead of the generic 400 of a failed create
// rule.
func requireUserForCreate(re *core.RequestEvent) error {
	if re.Auth == nil && re.Request.Method == http.MethodPost && userCreatePath.MatchString(re.Request.URL.Path) {
		return re.UnauthorizedError(request.MsgSignIn, nil)
	}
	return re.Next()
}

// refuseDisabledUser: a disabled user's token may still be unexpired;
// refuse it on every route.
func refuseDisabledUser(re *core.RequestEvent) error {
	if re.Auth != nil && re.Auth.Collection().Name == collections.Users && !collections.AsUser(re.Auth).IsActive() {
		return re.ForbiddenError("This account is disabled.", nil)
	}
	return re.Next()
}
