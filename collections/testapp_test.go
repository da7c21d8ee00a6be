package collections_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/collections"
	_ "circly/pb_migrations"
)

// dbPragmas copies hooks' connection settings (PocketBase's defaults plus
// secure_delete). Copied, not imported: this package's tests must not
// depend on hooks, which depends on this package.
const dbPragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
	"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)" +
	"&_pragma=secure_delete(ON)&_defensive=1"

func dbConnect(dbPath string) (*dbx.DB, error) {
	return dbx.Open("sqlite", dbPath+dbPragmas)
}

var (
	baseOnce sync.Once
	baseDir  string
	baseErr  error
)

// baseDataDir migrates an empty data dir once per test binary; every test
// app is a copy of it (as in circlytest), without Circly's hooks.
func baseDataDir() (string, error) {
	baseOnce.Do(func() {
		baseDir, baseErr = os.MkdirTemp("", "circly_collections_*")
		if baseErr != nil {
			return
		}
		app := core.NewBaseApp(core.BaseAppConfig{DataDir: baseDir, EncryptionEnv: "pb_test_env", DBConnect: dbConnect})
		if baseErr = app.Bootstrap(); baseErr != nil {
			return
		}
		baseErr = app.RunAllMigrations()
		if err := app.ClearBootstrap(); baseErr == nil {
			baseErr = err
		}
	})
	return baseDir, baseErr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if baseDir != "" {
		os.RemoveAll(baseDir)
	}
	os.Exit(code)
}

// newTestApp returns a migrated app of its own, removed when the test ends.
func newTestApp(t testing.TB) *tests.TestApp {
	t.Helper()
	dir, err := baseDataDir()
	if err != nil {
		t.Fatalf("base data dir: %v", err)
	}
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env", DBConnect: dbConnect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	return app
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func dt(t testing.TB, at time.Time) types.DateTime {
	t.Helper()
	d, err := types.ParseDateTime(at.UTC())
	must(t, err)
	return d
}

func makeUser(t testing.TB, app core.App, token string, active bool) *collections.User {
	t.Helper()
	u, err := collections.NewUser(app)
	must(t, err)
	u.SetDeviceId("test-device-" + security.RandomString(12))
	u.SetPushToken(token)
	u.SetActive(active)
	u.SetRandomPassword()
	must(t, app.Save(u))
	return u
}

func makeCircle(t testing.TB, app core.App, creatorId string) *collections.Circle {
	t.Helper()
	c, err := collections.NewCircle(app)
	must(t, err)
	c.SetName("circle " + security.RandomString(6))
	c.SetInviteCode(security.RandomStringWithAlphabet(6, collections.InviteCodeAlphabet))
	c.SetInviteLinkId(security.RandomString(24))
	c.SetInviteExpiresAt(dt(t, time.Now().Add(time.Hour)))
	c.SetMaxMembers(50)
	c.SetCreator(creatorId)
	c.SetActive(true)
	must(t, app.Save(c))
	return c
}

// makeMember saves a membership; no hooks run in these apps, so the
// nickname key is set here (lower-cased nickname stands in for NicknameKey).
func makeMember(t testing.TB, app core.App, circleId, userId, nickname string, active bool, joined time.Time) *collections.Member {
	t.Helper()
	m, err := collections.NewMember(app)
	must(t, err)
	m.SetCircle(circleId)
	m.SetUser(userId)
	m.SetNickname(nickname)
	m.SetNicknameKey("key:" + nickname)
	m.SetActive(active)
	m.SetJoined(dt(t, joined))
	must(t, app.Save(m))
	return m
}

func makeTemplate(t testing.TB, app core.App) *collections.Template {
	t.Helper()
	tp, err := collections.NewTemplate(app)
	must(t, err)
	tp.SetQuestionText("Who is test " + security.RandomString(8) + "?")
	tp.SetCategory("fun")
	tp.SetSeedKey("test-" + security.RandomString(8))
	tp.SetActive(true)
	must(t, app.Save(tp))
	return tp
}

func makePoll(t testing.TB, app core.App, circleId, status string, deadline time.Time) *collections.Poll {
	t.Helper()
	p, err := collections.NewPoll(app)
	must(t, err)
	p.SetCircle(circleId)
	p.SetQuestionText("Who?")
	p.SetDeadline(dt(t, deadline))
	p.SetStatus(status)
	must(t, app.Save(p))
	return p
}

func makeOption(t testing.TB, app core.App, pollId string, m *collections.Member, order int) *collections.Option {
	t.Helper()
	o, err := collections.NewOption(app)
	must(t, err)
	o.SetPoll(pollId)
	o.SetMember(m.Id)
	o.SetNickname(m.Nickname())
	o.SetOrder(order)
	must(t, app.Save(o))
	return o
}
