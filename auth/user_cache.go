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
//
// Tokens it verified are remembered too (tokens), so the next request with
// the same token is not parsed and verified again: decoding the claims
// twice and checking the signature were 70 % of the cache's work, some 7 %
// of a vote's CPU (BENCHMARKS.md). A remembered token serves only while
// its own expiry has not passed and the users entry it was verified
// against is still the one held: every entry kept gets a new stamp, so
// any invalidation, or a row read again after the TTL, sends the token
// through the full check once more against the row read then.
type userCache struct {
	mu     sync.Mutex
	gen    uint64 // bumped by every invalidation
	stamps uint64 // the last entry's stamp
	users  map[string]cachedUser
	tokens map[string]verifiedToken
}

type cachedUser struct {
	record *core.Record
	until  time.Time
	stamp  uint64 // unique to this entry
}

// verifiedToken is a token whose signature, type and collection were
// checked against the users entry with the given stamp.
type verifiedToken struct {
	id      string
	expires time.Time
	stamp   uint64
}

func newUserCache() *userCache {
	return &userCache{users: map[string]cachedUser{}, tokens: map[string]verifiedToken{}}
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
	if record := c.remembered(token, now); record != nil {
		return record
	}
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
		c.remember(token, id, claims, entry.stamp)
		return entry.record.Clone()
	}

	record, err := app.FindAuthRecordByToken(token, core.TokenTypeAuth)
	if err != nil {
		return nil
	}
	if stamp := c.keep(id, record.Clone(), gen, now); stamp != 0 {
		c.remember(token, id, claims, stamp)
	}
	return record
}

// remembered returns a copy of the record of a token verified before,
// while the token has not expired and the entry it was verified against
// is still held and within its TTL; nil otherwise.
func (c *userCache) remembered(token string, now time.Time) *core.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[token]
	if !ok || !now.Before(t.expires) {
		return nil
	}
	entry, ok := c.users[t.id]
	if !ok || entry.stamp != t.stamp || !now.Before(entry.until) {
		return nil
	}
	return entry.record.Clone()
}

// remember notes a token just verified against the entry with stamp
// (tokens without an expiry are not remembered).
func (c *userCache) remember(token, id string, claims map[string]any, stamp uint64) {
	exp, ok := claims["exp"].(float64)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	makeRoom(c.tokens, token)
	c.tokens[token] = verifiedToken{id: id, expires: time.Unix(int64(exp), 0), stamp: stamp}
}

// keep stores record unless an invalidation happened since gen was read
// (the row may predate it), and returns the new entry's stamp (0 when
// not kept).
func (c *userCache) keep(id string, record *core.Record, gen uint64, now time.Time) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return 0
	}
	makeRoom(c.users, id)
	c.stamps++
	c.users[id] = cachedUser{record: record, until: now.Add(userCacheTTL), stamp: c.stamps}
	return c.stamps
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

// makeRoom deletes any one entry of m when m is full (userCacheMax) and
// key is not in it yet.
func makeRoom[V any](m map[string]V, key string) {
	if _, ok := m[key]; ok || len(m) < userCacheMax {
		return
	}
	for k := range m {
		delete(m, k)
		return
	}
}
