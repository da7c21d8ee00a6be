package auth_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"circly/circlytest"
	"circly/collections"
)

const refreshPath = "/api/collections/users/auth-refresh"

const whoamiPath = "/test/whoami"

// withWhoami adds a route that answers who e.Auth is ("" for nobody) and
// whether it is active; it reads nothing but e.Auth, so a stale record
// from the cache would show.
func withWhoami(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET(whoamiPath, func(e *core.RequestEvent) error {
			if e.Auth == nil {
				return e.JSON(http.StatusOK, map[string]any{"id": ""})
			}
			return e.JSON(http.StatusOK, map[string]any{"id": e.Auth.Id})
		})
		return se.Next()
	})
}

// signedInAs sends token twice (the first request fills the users cache,
// the second is served from it) and returns the second's status and who
// it signed in, "" when nobody.
func signedInAs(t *testing.T, h http.Handler, token string) (int, string) {
	t.Helper()
	circlytest.Call(t, h, http.MethodGet, whoamiPath, token, nil)
	status, body := circlytest.Call(t, h, http.MethodGet, whoamiPath, token, nil)
	id, _ := body["id"].(string)
	return status, id
}

// Attacks on the users cache: a token that PocketBase's own loader would
// refuse must be refused after the same user's token filled the cache.
func TestUserCacheRefusesWhatPocketBaseRefuses(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	withWhoami(app)
	h := circlytest.Handler(t, app)
	users, err := app.FindCachedCollectionByNameOrId(collections.Users)
	if err != nil {
		t.Fatal(err)
	}

	fresh := func() (*core.Record, string) {
		u := circlytest.CreateUser(t, app)
		token := circlytest.Token(t, u)
		if status, id := signedInAs(t, h, token); status != http.StatusOK || id != u.Id {
			t.Fatalf("a fresh user's token: %d %q", status, id)
		}
		return u, token
	}
	reload := func(u *core.Record) *core.Record {
		r, err := app.FindRecordById(collections.Users, u.Id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	signWith := func(u *core.Record, key string, d time.Duration) string {
		token, err := security.NewJWT(jwt.MapClaims{
			core.TokenClaimId:           u.Id,
			core.TokenClaimType:         core.TokenTypeAuth,
			core.TokenClaimCollectionId: users.Id,
			core.TokenClaimRefreshable:  true,
		}, key, d)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}

	t.Run("disabled after its token was cached", func(t *testing.T) {
		u, token := fresh()
		u = reload(u)
		u.Set(collections.FieldUserIsActive, false)
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
		if status, _ := signedInAs(t, h, token); status != http.StatusForbidden {
			t.Fatalf("disabled user: status %d, want 403", status)
		}
		u.Set(collections.FieldUserIsActive, true)
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
		if status, id := signedInAs(t, h, token); status != http.StatusOK || id != u.Id {
			t.Fatalf("enabled again: %d %q", status, id)
		}
	})

	t.Run("token key changed (signed out everywhere)", func(t *testing.T) {
		u, old := fresh()
		u = reload(u)
		u.RefreshTokenKey()
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
		if status, id := signedInAs(t, h, old); status != http.StatusOK || id != "" {
			t.Fatalf("old token after a token key change: %d %q, want nobody", status, id)
		}
		if status, id := signedInAs(t, h, circlytest.Token(t, u)); status != http.StatusOK || id != u.Id {
			t.Fatalf("new token: %d %q", status, id)
		}
	})

	t.Run("deleted", func(t *testing.T) {
		u, token := fresh()
		if err := app.Delete(reload(u)); err != nil {
			t.Fatal(err)
		}
		if status, id := signedInAs(t, h, token); status != http.StatusOK || id != "" {
			t.Fatalf("deleted user's token: %d %q, want nobody", status, id)
		}
	})

	t.Run("forged signature", func(t *testing.T) {
		u, _ := fresh()
		forged := signWith(u, "not-the-key", time.Hour)
		if status, id := signedInAs(t, h, forged); status != http.StatusOK || id != "" {
			t.Fatalf("forged token: %d %q, want nobody", status, id)
		}
	})

	t.Run("expired", func(t *testing.T) {
		u, _ := fresh()
		expired := signWith(u, u.TokenKey()+users.AuthToken.Secret, -time.Minute)
		if status, id := signedInAs(t, h, expired); status != http.StatusOK || id != "" {
			t.Fatalf("expired token: %d %q, want nobody", status, id)
		}
	})

	t.Run("another token type", func(t *testing.T) {
		u, _ := fresh()
		file, err := u.NewFileToken()
		if err != nil {
			t.Fatal(err)
		}
		if status, id := signedInAs(t, h, file); status != http.StatusOK || id != "" {
			t.Fatalf("file token as auth: %d %q, want nobody", status, id)
		}
	})

	t.Run("users collection secret changed", func(t *testing.T) {
		u, token := fresh()
		col, err := app.FindCollectionByNameOrId(collections.Users)
		if err != nil {
			t.Fatal(err)
		}
		col.AuthToken.Secret = security.RandomString(50)
		if err := app.Save(col); err != nil {
			t.Fatal(err)
		}
		if status, id := signedInAs(t, h, token); status != http.StatusOK || id != "" {
			t.Fatalf("token signed with the old secret: %d %q, want nobody", status, id)
		}
		if status, id := signedInAs(t, h, circlytest.Token(t, reload(u))); status != http.StatusOK || id != u.Id {
			t.Fatalf("token with the new secret: %d %q", status, id)
		}
	})
}

// Requests of one user at once each get their own record: handlers change
// e.Auth (an auth refresh hides and shows fields), so a record shared
// between requests would be a data race (-race).
func TestUserCacheConcurrentRequests(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	h := circlytest.Handler(t, app)
	u := circlytest.CreateUser(t, app)
	token := circlytest.Token(t, u)
	// one request first: PocketBase's RequireSameCollectionContextAuth sets
	// its path parameter name on first use, a race of its own otherwise
	if status, _ := circlytest.Call(t, h, http.MethodPost, refreshPath, token, nil); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	var wg sync.WaitGroup
	statuses := make(chan int, 80)
	for range 8 {
		wg.Go(func() {
			for range 10 {
				statuses <- circlytest.Do(h, circlytest.Request{Method: http.MethodPost, URL: refreshPath, Token: token}).Code
			}
		})
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusOK {
			t.Fatalf("status %d", s)
		}
	}
}
