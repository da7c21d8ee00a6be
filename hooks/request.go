package hooks

import (
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"circly/collections"
)

// Middleware ids.
const (
	// MiddlewareDisabledUserId identifies the middleware that refuses disabled users.
	MiddlewareDisabledUserId = "circlyDisabledUser"
	// MiddlewareRequireUserForCreateId identifies the middleware that answers
	// 401 to anonymous creates of circles, polls and votes.
	MiddlewareRequireUserForCreateId = "circlyRequireUserForCreate"
)

// userCreatePath matches the collection API's create routes that need a
// signed-in user, by collection name or id.
var userCreatePath = regexp.MustCompile(`^/api/collections/(` + strings.Join([]string{
	collections.Circles, collections.CirclesId,
	collections.Polls, collections.PollsId,
	collections.Votes, collections.VotesId,
}, "|") + `)/records/?$`)

func (s *Service) registerMiddlewares(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			// A disabled user's token may still be unexpired; refuse it on every
			// route, right after PocketBase has loaded the auth record.
			// Creating a circle, poll or vote needs a signed-in user; say so
			// with a 401 instead of the generic 400 of a failed create rule.
			e.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       MiddlewareRequireUserForCreateId,
				Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 2,
				Func: func(re *core.RequestEvent) error {
					if re.Auth == nil && re.Request.Method == http.MethodPost && userCreatePath.MatchString(re.Request.URL.Path) {
						return re.UnauthorizedError("Sign in to do this.", nil)
					}
					return re.Next()
				},
			})
			e.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       MiddlewareDisabledUserId,
				Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 1,
				Func: func(re *core.RequestEvent) error {
					if re.Auth != nil && re.Auth.Collection().Name == "users" && !re.Auth.GetBool("is_active") {
						return re.ForbiddenError("This account is disabled.", nil)
					}
					return re.Next()
				},
			})
			return e.Next()
		},
	})
}

// onlyBodyKeys refuses a request whose body sets a field outside allowed. File
// modifiers ("avatar+", "avatar-") count as their field. Superusers are not
// restricted.
func onlyBodyKeys(e *core.RequestEvent, allowed ...string) error {
	if e.HasSuperuserAuth() {
		return nil
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	var refused []string
	for key := range info.Body {
		name := strings.TrimRight(strings.TrimLeft(key, "+"), "+-")
		if !slices.Contains(allowed, name) {
			refused = append(refused, key)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	slices.Sort(refused)
	data := validation.Errors{}
	for _, key := range refused {
		// the key is the client's: PocketBase writes error answers only
		// when they are valid UTF-8, and a form body's keys need not be
		data[strings.ToValidUTF8(key, "\uFFFD")] = validation.NewError("validation_field_not_writable", "This field cannot be changed.")
	}
	return apis.NewApiError(http.StatusBadRequest, "Only "+strings.Join(allowed, ", ")+" can be changed.", data)
}

// fieldError builds PocketBase's validation error data for one field.
func fieldError(field, code, message string) validation.Errors {
	return validation.Errors{field: validation.NewError(code, message)}
}

// readRequest parses the whole request, body included, the way PocketBase
// reads it when a handler answers with a record (apis.EnrichRecord and
// apis.RecordAuthResponse call e.RequestInfo). Handlers call it before they
// change anything: a body PocketBase cannot parse (an unknown content type,
// a malformed multipart or XML body, one over the size limit) is then a
// 4xx up front, not a failure while the answer is built, after the change
// is done. The body limit's 413 passes through; anything else is a 400.
func readRequest(e *core.RequestEvent) error {
	if _, err := e.RequestInfo(); err != nil {
		var apiErr *router.ApiError
		if errors.As(err, &apiErr) {
			return apiErr
		}
		return e.BadRequestError("The request body is not valid.", err)
	}
	return nil
}
