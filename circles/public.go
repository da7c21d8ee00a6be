package circles

import (
	"io/fs"
	"net/http"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// JoinPagePath is the invite landing page route; every invite id gets the
// same page, whose script asks the public preview route for the details.
const JoinPagePath = "/join/{invite_link_id}"

func (s *Service) registerPublic(app core.App) {
	if s.Public == nil {
		return
	}
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			joinPage := func(re *core.RequestEvent) error {
				page, err := fs.ReadFile(s.Public, "join.html")
				if err != nil {
					return re.NotFoundError("", err)
				}
				re.Response.Header().Set("Cache-Control", "no-cache")
				// the page never needs to be framed or to send a referrer
				// carrying the invite id to anyone
				re.Response.Header().Set("Referrer-Policy", "no-referrer")
				re.Response.Header().Set("X-Frame-Options", "DENY")
				return re.Blob(http.StatusOK, "text/html; charset=utf-8", page)
			}
			// with and without a trailing slash (chat apps sometimes add one)
			e.Router.GET(JoinPagePath, joinPage)
			e.Router.GET(JoinPagePath+"/", joinPage)
			if !e.Router.HasRoute(http.MethodGet, "/{path...}") {
				e.Router.GET("/{path...}", apis.Static(s.Public, false))
			}
			return e.Next()
		},
		Priority: 999, // after every other route
	})
}
