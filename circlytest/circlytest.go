// Package circlytest builds PocketBase test apps with Circly's real
// migrations and hooks, plus factories for the records tests need.
package circlytest

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"

	"circly/collections"
	"circly/config"
	_ "circly/pb_migrations"
	"circly/server"
	"circly/store"
)

var (
	baseOnce sync.Once
	baseDir  string
	baseErr  error
)

// baseDataDir migrates an empty data dir once per test binary; every test
// app is a copy of it, so tests do not pay for the migrations each time.
func baseDataDir() (string, error) {
	baseOnce.Do(func() {
		baseDir, baseErr = os.MkdirTemp("", "circly_base_*")
		if baseErr != nil {
			return
		}
		app := core.NewBaseApp(core.BaseAppConfig{DataDir: baseDir, EncryptionEnv: "pb_test_env", DBConnect: store.Connect,
			DataMaxOpenConns: store.ReadConns, DataMaxIdleConns: store.ReadConns})
		if baseErr = app.Bootstrap(); baseErr != nil {
			return
		}
		baseErr = app.RunAllMigrations()
		if baseErr == nil {
			// one superuser for every test app: its bcrypt hash is paid once
			var col *core.Collection
			col, baseErr = app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
			if baseErr == nil {
				su := core.NewRecord(col)
				su.SetEmail(superuserEmail)
				su.SetPassword(security.RandomString(20))
				baseErr = app.Save(su)
			}
		}
		if err := app.ClearBootstrap(); baseErr == nil {
			baseErr = err
		}
	})
	return baseDir, baseErr
}

// Main runs a package's tests and then removes the migrated data dir its
// test apps were copied from (call it from the package's TestMain).
func Main(m *testing.M) {
	code := m.Run()
	if baseDir != "" {
		os.RemoveAll(baseDir)
	}
	os.Exit(code)
}

// RepoRoot returns the repository root (for pb_public and other files).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// TestConfig is the configuration tests run with.
func TestConfig() config.Config {
	cfg := config.Default()
	cfg.ExpoBaseURL = "http://127.0.0.1:1" // nothing listens there; push tests set their own
	return cfg
}

// NewTestApp returns a test app with Circly's migrations and hooks, using
// TestConfig. It is cleaned up when the test ends.
func NewTestApp(t testing.TB) *tests.TestApp {
	app, _ := NewTestAppWithConfig(t, TestConfig())
	return app
}

// NewTestAppWithConfig is NewTestApp with a given configuration; it also
// returns the services server.Register bound.
func NewTestAppWithConfig(t testing.TB, cfg config.Config) (*tests.TestApp, *server.Circly) {
	t.Helper()
	app, svc, err := newApp(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	return app, svc
}

// Factory returns a TestAppFactory for tests.ApiScenario whose app is
// prepared by setup (may be nil). The scenario cleans the app up itself.
func Factory(setup func(t testing.TB, app *tests.TestApp)) func(t testing.TB) *tests.TestApp {
	return func(t testing.TB) *tests.TestApp {
		app, _, err := newApp(TestConfig())
		if err != nil {
			t.Fatal(err)
		}
		if setup != nil {
			setup(t, app)
		}
		return app
	}
}

func newApp(cfg config.Config) (*tests.TestApp, *server.Circly, error) {
	dir, err := baseDataDir()
	if err != nil {
		return nil, nil, fmt.Errorf("circlytest: base data dir: %w", err)
	}
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env", DBConnect: store.Connect,
		DataMaxOpenConns: store.ReadConns, DataMaxIdleConns: store.ReadConns})
	if err != nil {
		return nil, nil, err
	}
	svc := server.Register(app, cfg, os.DirFS(filepath.Join(RepoRoot(), "pb_public")))
	// Tests run the scheduled jobs themselves. A job left to the scheduler
	// (the minute job, PocketBase's hourly cleanups) could run while the
	// test cleans the app up, which app.Cleanup does not wait for: -race
	// reported it for PocketBase's hourly OTP cleanup at an hour's turn.
	app.Cron().Stop()
	return app, svc, nil
}

// DeviceSecret returns a fresh random device secret.
func DeviceSecret() string {
	return security.RandomString(40)
}

// CreateUser creates an active user with a random device id and returns it.
func CreateUser(t testing.TB, app core.App) *core.Record {
	t.Helper()
	col, err := app.FindCachedCollectionByNameOrId(collections.Users)
	if err != nil {
		t.Fatal(err)
	}
	u := core.NewRecord(col)
	collections.AsUser(u).SetDeviceId("test-device-" + security.RandomString(12))
	collections.AsUser(u).SetActive(true)
	u.SetRandomPassword()
	if err := app.Save(u); err != nil {
		t.Fatal(err)
	}
	return u
}

// Token returns a fresh auth token of a user.
func Token(t testing.TB, user *core.Record) string {
	t.Helper()
	token, err := user.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// AuthHeader returns request headers authenticating as user.
func AuthHeader(t testing.TB, user *core.Record) map[string]string {
	return map[string]string{"Authorization": Token(t, user)}
}

// superuserEmail is the superuser every test app has.
const superuserEmail = "superuser@circly.test"

// SuperuserHeader returns headers authenticating as the test app's superuser.
func SuperuserHeader(t testing.TB, app core.App) map[string]string {
	t.Helper()
	su, err := app.FindAuthRecordByEmail(core.CollectionNameSuperusers, superuserEmail)
	if err != nil {
		t.Fatal(err)
	}
	return AuthHeader(t, su)
}

// Handler returns the app's full HTTP handler (routes, middlewares and
// hooks), for benchmarks and tests that send many requests to one app. It is
// built once per app (the serve hooks must run only once).
func Handler(t testing.TB, app core.App) http.Handler {
	t.Helper()
	if h, ok := app.Store().Get(handlerStoreKey).(http.Handler); ok {
		return h
	}
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	e := new(core.ServeEvent)
	e.App = app
	e.Router = router
	var mux http.Handler
	err = app.OnServe().Trigger(e, func(e *core.ServeEvent) error {
		m, err := e.Router.BuildMux()
		mux = m
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	app.Store().Set(handlerStoreKey, mux)
	return mux
}

const handlerStoreKey = "circlytest.handler"

// Circly returns the services server.Register bound to a test app.
func Circly(t testing.TB, app core.App) *server.Circly {
	t.Helper()
	c := server.Of(app)
	if c == nil {
		t.Fatal("circlytest: app has no Circly services")
	}
	return c
}
