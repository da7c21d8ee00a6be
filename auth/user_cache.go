package auth

import (
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"

	"circly/collections"
)

// MiddlewareUserCacheId identifies the middleware that signs users in from
// the users cache.
const MiddlewareUserCacheId = "circlyUserCache"

// Bounds of the users cache: how long an entry serves before the users row
// is read again, and how many users it holds.
const (
	userCacheTTL = 10 * time.Minute
	userCacheMax = 10000
)

// userCache keeps the users records that signed requests in recently, so a
// request with a known user's token does not read the users row again.
// PocketBase reads it on every request (apis.loadAuthToken →
// FindAuthRecordByToken: a statement compiled and a few pages read, a
// quarter of a vote's CPU).
//
// What stays as PocketBase does it: the token's signature, expiry and type
// are checked on every request with the record's tokenKey and the users
// collection's current secret; a miss, a superuser, any other collection
// and any token type but "auth" go to PocketBase's own path. What the cache
// changes is only where the users row comes from, so it must never serve a
// row older than the database's: every save or delete of a users record,
// and every change of the users collection, drops the entry (or all) when
// it commits, and a row read while such a change committed is not kept
// (gen). All writes to users go through PocketBase's record saves (the
// dashboard, the device login, transfer and recovery, deleting an
// account), so the model hooks see them all; the TTL bounds what they
// could not see.
type userCache struct {
	mu    sync.Mutex
	gen   uint64 // bumped by every invalidation
	users map[string]cachedUser
}

type cachedUser struct {
	record *core.Record
	until  time.Time
}

func newUserCache() *userCache {
	return &userCache{users: map[string]cachedUser{}}
}

// register binds the middleware (just before PocketBase's own token
// loader, which then sees e.Auth set) and the invalidation hooks.
func (c *userCache) register(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Func: func(e *core.ServeEvent) error {
			e.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       MiddlewareUserCacheId,
				Priority: apis.DefaultLoadAuthTokenMiddlewarePriority - 1,
				Func:     c.load,
			})
			return e.Next()
		},
	})
	drop := func(e *core.ModelEvent) error {
		if id, ok := e.Model.PK().(string); ok {
			c.forget(id)
		} else {
			c.forgetAll()
		}
		return e.Next()
	}
	app.OnModelAfterUpdateSuccess(collections.Users).BindFunc(drop)
	app.OnModelAfterDeleteSuccess(collections.Users).BindFunc(drop)
	clear := func(e *core.CollectionEvent) error {
		c.forgetAll()
		return e.Next()
	}
	app.OnCollectionAfterUpdateSuccess(collections.Users).BindFunc(clear)
	app.OnCollectionAfterDeleteSuccess(collections.Users).BindFunc(clear)
}

// load sets e.Auth for a valid auth token of a users record; anything else
// is left to PocketBase's loader that runs next.
func (c *userCache) load(e *core.RequestEvent) error {
	if e.Auth == nil {
		if token := requestToken(e); token != "" {
			if record := c.find(e.App, token, time.Now()); record != nil {
				e.Auth = record
			}
		}
	}
	return e.Next()
}

// find returns a copy of the users record the token signs in, or nil when
// the token is not a users auth token or does not verify.
func (c *userCache) find(app core.App, token string, now time.Time) *core.Record {
	claims, err := security.ParseUnverifiedJWT(token)
	if err != nil {
		return nil
	}
	id, _ := claims[core.TokenClaimId].(string)
	collectionId, _ := claims[core.TokenClaimCollectionId].(string)
	tokenType, _ := claims[core.TokenClaimType].(string)
	if id == "" || tokenType != core.TokenTypeAuth {
		return nil
	}
	users, err := app.FindCachedCollectionByNameOrId(collections.Users)
	if err != nil || collectionId != users.Id {
		return nil
	}

	c.mu.Lock()
	entry, ok := c.users[id]
	gen := c.gen
	c.mu.Unlock()

	if ok && now.Before(entry.until) {
		if _, err := security.ParseJWT(token, entry.record.TokenKey()+users.AuthToken.Secret); err != nil {
			return nil
		}
		return entry.record.Clone()
	}

	record, err := app.FindAuthRecordByToken(token, core.TokenTypeAuth)
	if err != nil {
		return nil
	}
	c.keep(id, record.Clone(), gen, now)
	return record
}

// keep stores record unless an invalidation happened since gen was read
// (the row may predate it).
func (c *userCache) keep(id string, record *core.Record, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if _, ok := c.users[id]; !ok && len(c.users) >= userCacheMax {
		for k := range c.users { // any one
			delete(c.users, k)
			break
		}
	}
	c.users[id] = cachedUser{record: record, until: now.Add(userCacheTTL)}
}

func (c *userCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.users, id)
}

func (c *userCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.users)
}

// requestToken reads the token as PocketBase's loader does (the "Bearer "
// prefix is optional).
func requestToken(e *core.RequestEvent) string {
	token := e.Request.Header.Get("Authorization")
	if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
		return token[7:]
	}
	return token
}
