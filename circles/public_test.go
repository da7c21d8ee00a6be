package circles_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
)

// TestLandingPageRoutes: every invite id gets the landing page (with or
// without a trailing slash), other files are served from pb_public.
func TestLandingPageRoutes(t *testing.T) {
	t.Parallel()
	scenarios := []tests.ApiScenario{
		{
			Name: "the landing page", Method: http.MethodGet, URL: "/join/abcdefghijklmnopqrstuvwx",
			ExpectedStatus:  200,
			ExpectedContent: []string{`<html lang="ko"`, `/assets/join.js`, `/assets/base.css`, `/assets/join.css`},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name: "the landing page with a trailing slash", Method: http.MethodGet, URL: "/join/abcdefghijklmnopqrstuvwx/",
			ExpectedStatus:  200,
			ExpectedContent: []string{`<html lang="ko"`},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name: "its script, same origin", Method: http.MethodGet, URL: "/assets/join.js",
			ExpectedStatus:  200,
			ExpectedContent: []string{`/api/circly/invites/`, `body.hidden === true`},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name: "its styles, theme first", Method: http.MethodGet, URL: "/assets/base.css",
			ExpectedStatus:  200,
			ExpectedContent: []string{`:root {`, `.page {`},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name: "its styles, then the invite's states", Method: http.MethodGet, URL: "/assets/join.css",
			ExpectedStatus:  200,
			ExpectedContent: []string{`Valid invite`, `Home page`},
			TestAppFactory:  circlytest.Factory(nil),
		},
		{
			Name: "the home page", Method: http.MethodGet, URL: "/",
			ExpectedStatus:  200,
			ExpectedContent: []string{`Circly`, `/assets/base.css`},
			TestAppFactory:  circlytest.Factory(nil),
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
