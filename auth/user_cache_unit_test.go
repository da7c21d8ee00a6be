package auth_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"circly/auth"
	"circly/circlytest"
	"circly/collections"
)

// The cache serves a users row it holds until it is told the row changed
// or the entry is older than auth.UserCacheTTL, and never keeps a row read while
// a change committed.
func TestUserCacheServesUntilTold(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	u := circlytest.CreateUser(t, app)
	token, err := u.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	// change the row behind the cache's back (no model hooks: c is not
	// registered), to see which copy find answers with
	disable := func(active bool) {
		if _, err := app.DB().NewQuery("UPDATE users SET is_active = {:a} WHERE id = {:id}").
			Bind(map[string]any{"a": active, "id": u.Id}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	active := func(r *core.Record) bool { return r != nil && collections.AsUser(r).IsActive() }

	c := auth.NewUserCache()
	now := time.Now()
	if r := c.Find(app, token, now); !active(r) {
		t.Fatal("a miss does not sign the user in")
	}
	disable(false)
	if r := c.Find(app, token, now.Add(auth.UserCacheTTL-time.Second)); !active(r) {
		t.Fatal("the cached row was not served (every request reads the users row)")
	}
	if r := c.Find(app, token, now.Add(auth.UserCacheTTL+time.Second)); active(r) {
		t.Fatal("an entry older than the TTL was served")
	}
	disable(true)
	c.Forget(u.Id)
	if r := c.Find(app, token, now); !active(r) {
		t.Fatal("a forgotten entry was served")
	}

	// a row read before an invalidation is not kept
	c = auth.NewUserCache()
	gen := c.Gen()
	c.Forget(u.Id)
	c.Keep(u.Id, u, gen, now)
	if c.Len() != 0 {
		t.Fatal("a row read before an invalidation was kept")
	}

	// the cache is bounded
	for i := range auth.UserCacheMax + 10 {
		c.Keep(string(rune(i)), u, c.Gen(), now)
	}
	if c.Len() > auth.UserCacheMax {
		t.Fatalf("%d entries, max %d", c.Len(), auth.UserCacheMax)
	}
}

// A token verified once is served without being verified again only
// while it has not expired and the users entry it was verified against is
// still held: an invalidation, or the row read again after the TTL (a
// change no hook saw), sends every token of that user through the full
// check again. The expiry through the whole middleware, by the wall clock
// the signature check uses, is TestUserCacheRefusesWhatPocketBaseRefuses's
// "expired".
func TestUserCacheRemembersVerifiedTokens(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	u := circlytest.CreateUser(t, app)
	users, err := app.FindCachedCollectionByNameOrId(collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	// tokens of the same user (devices), valid for different times
	sign := func(d time.Duration) (string, time.Time) {
		token, err := security.NewJWT(jwt.MapClaims{
			core.TokenClaimId:           u.Id,
			core.TokenClaimType:         core.TokenTypeAuth,
			core.TokenClaimCollectionId: users.Id,
			core.TokenClaimRefreshable:  true,
		}, u.TokenKey()+users.AuthToken.Secret, d)
		if err != nil {
			t.Fatal(err)
		}
		claims, err := security.ParseUnverifiedJWT(token)
		if err != nil {
			t.Fatal(err)
		}
		return token, time.Unix(int64(claims["exp"].(float64)), 0)
	}
	short, shortExpires := sign(2 * time.Minute) // expires before the TTL
	long, _ := sign(2 * time.Hour)
	other, _ := sign(3 * time.Hour)

	c := auth.NewUserCache()
	now := time.Now()
	for _, token := range []string{short, long, other} {
		if r := c.Find(app, token, now); r == nil || r.Id != u.Id {
			t.Fatal("a valid token did not sign the user in")
		}
	}
	if r := c.Remembered(short, now); r == nil || r.Id != u.Id {
		t.Fatal("a verified token was not remembered")
	}
	if c.Remembered(short, shortExpires) != nil {
		t.Fatal("a remembered token served at its expiry")
	}
	if c.Remembered(long, shortExpires) == nil {
		t.Fatal("a token valid longer was not served then")
	}
	if c.Remembered("x"+long, now) != nil {
		t.Fatal("another string served as a remembered token")
	}

	// the row read again after the TTL: tokens verified against the old
	// entry are checked again
	later := now.Add(auth.UserCacheTTL + time.Second)
	if r := c.Find(app, long, later); r == nil {
		t.Fatal("a valid token after the TTL")
	}
	if c.Remembered(other, later) != nil {
		t.Fatal("a token verified against a row read before the TTL was served")
	}
	if c.Remembered(long, later) == nil {
		t.Fatal("the token verified against the new row was not remembered")
	}

	// an invalidation
	c.Forget(u.Id)
	if c.Remembered(long, later) != nil {
		t.Fatal("a remembered token served after its user was forgotten")
	}

	// bounded
	for i := range auth.UserCacheMax + 10 {
		c.Remember(fmt.Sprint(i), u.Id, map[string]any{"exp": float64(now.Unix())}, 1)
	}
	if c.Tokens() > auth.UserCacheMax {
		t.Fatalf("%d remembered tokens, max %d", c.Tokens(), auth.UserCacheMax)
	}
}
