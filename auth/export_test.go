package auth

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// What the users cache tests reach.
type UserCache = userCache

const (
	UserCacheTTL = userCacheTTL
	UserCacheMax = userCacheMax
)

func NewUserCache() *UserCache { return newUserCache() }

func (c *userCache) Find(app core.App, token string, now time.Time) *core.Record {
	return c.find(app, token, now)
}
func (c *userCache) Forget(id string) { c.forget(id) }
func (c *userCache) Gen() uint64      { return c.gen }
func (c *userCache) Len() int         { return len(c.users) }
func (c *userCache) Tokens() int      { return len(c.tokens) }
func (c *userCache) Keep(id string, r *core.Record, gen uint64, now time.Time) {
	c.keep(id, r, gen, now)
}

func (c *userCache) Remembered(token string, now time.Time) *core.Record {
	return c.remembered(token, now)
}
func (c *userCache) Remember(token, id string, claims map[string]any, stamp uint64) {
	c.remember(token, id, claims, stamp)
}
