package auth_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

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
