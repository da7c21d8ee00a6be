package server

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/metrics"
)

// MetricsPath is the Prometheus scrape route (API.md §12).
const MetricsPath = "/api/circly/metrics"

// Messages of the metrics route's refusals.
const (
	msgMetricsAnonymous = "A superuser's token or a metrics token is required."
	msgMetricsForbidden = "Only superusers and metrics tokens may read the metrics."
)

func registerMetrics(app core.App, c *Circly) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Router.GET(MetricsPath, c.serveMetrics)
		return e.Next()
	})
}

// serveMetrics answers a scrape: the in-memory counters of the domains
// (metrics.Set) and the database facts read now, in the text format 0.0.4.
// A superuser may read it, and a metrics token (see IssueMetricsToken);
// anyone else signed in gets 403, anyone not signed in (a revoked, forged
// or expired metrics token included) 401.
func (c *Circly) serveMetrics(e *core.RequestEvent) error {
	if !e.HasSuperuserAuth() {
		if err := c.checkMetricsToken(e.App, bearer(e.Request)); err != nil {
			if e.Auth != nil {
				return e.ForbiddenError(msgMetricsForbidden, nil)
			}
			return e.UnauthorizedError(msgMetricsAnonymous, nil)
		}
	}

	counts, err := collections.LoadOperatorCounts(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	fams := append(metrics.Of(e.App).Families(), databaseFamilies(e.App, counts)...)
	var buf bytes.Buffer
	if err := metrics.Write(&buf, fams); err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, metrics.ContentType, buf.Bytes())
}

// bearer returns the request's Authorization token, as PocketBase reads it
// (the "Bearer " prefix is optional).
func bearer(r *http.Request) string {
	token := r.Header.Get("Authorization")
	if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
		return token[7:]
	}
	return token
}

// databaseFamilies are the gauges read from the database at scrape time.
func databaseFamilies(app core.App, c collections.OperatorCounts) []metrics.Family {
	gauge := func(name, help string, v int64) metrics.Family {
		return metrics.Single(name, help, metrics.TypeGauge, float64(v))
	}
	rows := metrics.Family{Name: "circly_outbox_rows", Type: metrics.TypeGauge,
		Help: "Push outbox rows (one per poll and kind) by status."}
	for _, s := range collections.NotificationStatuses {
		rows.Samples = append(rows.Samples, metrics.Sample{Labels: []metrics.Label{{Name: "status", Value: s}}, Value: float64(c.OutboxRows[s])})
	}
	size := metrics.Family{Name: "circly_database_bytes", Type: metrics.TypeGauge,
		Help: "Size on disk of the main database file and of its write-ahead log."}
	for _, f := range []struct{ label, name string }{{"db", "data.db"}, {"wal", "data.db-wal"}} {
		var n int64
		if info, err := os.Stat(filepath.Join(app.DataDir(), f.name)); err == nil {
			n = info.Size()
		}
		size.Samples = append(size.Samples, metrics.Sample{Labels: []metrics.Label{{Name: "file", Value: f.label}}, Value: float64(n)})
	}
	return []metrics.Family{
		gauge("circly_polls_open", "Polls open now.", c.OpenPolls),
		gauge("circly_outbox_pending", "Push deliveries waiting to be sent (recipients chosen, no outcome recorded yet).", c.OutboxPending),
		rows,
		gauge("circly_users", "User accounts.", c.Users),
		gauge("circly_users_with_push_token", "User accounts with an Expo push token.", c.PushTokens),
		gauge("circly_circles", "Circles.", c.Circles),
		size,
	}
}

// IssueMetricsToken returns a new metrics token of the current generation,
// signed with the key derived from circly.key; ttl 0 makes one that does
// not expire.
func IssueMetricsToken(app core.App, ttl time.Duration) (string, error) {
	c := Of(app)
	if c == nil {
		return "", errors.New("circly is not registered on this app")
	}
	key, err := c.Keys.MetricsTokenKey()
	if err != nil {
		return "", err
	}
	gen, err := collections.MetricsTokenGeneration(app)
	if err != nil {
		return "", err
	}
	return metrics.IssueToken(key, gen, time.Now(), ttl)
}

// RevokeMetricsTokens makes every metrics token issued so far invalid (it
// raises the generation tokens must carry) and returns the new generation.
func RevokeMetricsTokens(app core.App) (int64, error) {
	return collections.NextMetricsTokenGeneration(app)
}

// checkMetricsToken accepts a metrics token valid now and of the current
// generation.
func (c *Circly) checkMetricsToken(app core.App, token string) error {
	if token == "" {
		return metrics.ErrBadToken
	}
	key, err := c.Keys.MetricsTokenKey()
	if err != nil {
		return err
	}
	gen, err := metrics.ParseToken(key, token, time.Now())
	if err != nil {
		return err
	}
	current, err := collections.MetricsTokenGeneration(app)
	if err != nil {
		return err
	}
	if gen != current {
		return metrics.ErrBadToken
	}
	return nil
}
