package systemtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"circly/circlytest/realbin"
)

var binary string

func TestMain(m *testing.M) {
	bin, err := realbin.Build(realbin.BuildOptions{})
	if err != nil {
		fmt.Println("build:", err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	realbin.KillAll()
	realbin.RemoveBuilds()
	os.Exit(code)
}

// server is one circly server of a test.
type server struct {
	*realbin.Server
	t testing.TB
}

const (
	suEmail    = "admin@example.com"
	suPassword = "system-test-password-1"
)

// newServer prepares a data dir with a superuser, starts the binary, signs
// the superuser in and turns the rate limiter off so tests can act as many
// users from one IP. The process is killed by PID when the test ends.
func newServer(t testing.TB, env ...string) *server {
	t.Helper()
	s := &server{t: t, Server: realbin.New(realbin.Config{
		Bin:               binary,
		DataDir:           filepath.Join(t.TempDir(), "pb_data"),
		Env:               append([]string{"CIRCLY_EXPO_BASE_URL=http://127.0.0.1:9"}, env...),
		SuperuserEmail:    suEmail,
		SuperuserPassword: suPassword,
	})}
	t.Cleanup(s.Kill)
	if err := s.Launch(); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *server) mustDo(method, path, token string, body any, want int, out any) {
	s.t.Helper()
	status, err := s.Call(method, path, token, body, out)
	if status != want {
		s.t.Fatalf("%s %s: status %d, want %d (%v)", method, path, status, want, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// user is a signed-in app user.
type user struct {
	id, token      string
	device, secret string // its device login
}

func (s *server) newUser() user {
	s.t.Helper()
	var res struct {
		Token  string `json:"token"`
		Record struct {
			Id string `json:"id"`
		} `json:"record"`
	}
	device, secret := "systest-"+randomHex(8), randomHex(24)
	s.mustDo("POST", "/api/circly/auth/device", "", map[string]any{
		"device_id": device, "device_secret": secret,
	}, 200, &res)
	return user{res.Record.Id, res.Token, device, secret}
}

// circleFixture is a circle of n users (users[0] created it) with one open
// poll started by users[0]; options[k] names users[k+1].
type circleFixture struct {
	circle  string
	users   []user
	poll    string
	options []string
}

func (s *server) newCircle(n int) *circleFixture {
	s.t.Helper()
	f := &circleFixture{}
	creator := s.newUser()
	f.users = append(f.users, creator)
	var circle struct {
		Id         string `json:"id"`
		InviteCode string `json:"invite_code"`
	}
	s.mustDo("POST", "/api/collections/circles/records", creator.token,
		map[string]any{"name": "system " + randomHex(3), "nickname": "u0"}, 200, &circle)
	f.circle = circle.Id
	for i := 1; i < n; i++ {
		u := s.newUser()
		s.mustDo("POST", "/api/circly/circles/join", u.token,
			map[string]any{"invite_code": circle.InviteCode, "nickname": fmt.Sprintf("u%d", i)}, 200, nil)
		f.users = append(f.users, u)
	}
	var tpl struct {
		Items []struct {
			Id string `json:"id"`
		} `json:"items"`
	}
	s.mustDo("GET", "/api/collections/templates/records?perPage=1", creator.token, nil, 200, &tpl)
	var poll struct {
		Id string `json:"id"`
	}
	s.mustDo("POST", "/api/collections/polls/records", creator.token, map[string]any{
		"circle": f.circle, "template": tpl.Items[0].Id,
		"deadline": time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05.000Z"),
	}, 200, &poll)
	f.poll = poll.Id
	var opts struct {
		Items []struct {
			Id string `json:"id"`
		} `json:"items"`
	}
	filter := strings.ReplaceAll(fmt.Sprintf(`poll="%s"`, f.poll), `"`, "%22")
	s.mustDo("GET", "/api/collections/options/records?perPage=100&sort=order&filter="+filter, creator.token, nil, 200, &opts)
	for _, o := range opts.Items {
		f.options = append(f.options, o.Id)
	}
	return f
}

// vote casts user i's vote for an option that is not their own. It
// returns the "poll/option" the vote counts for (a vote's answer names no
// row; see votedFor).
func (s *server) vote(f *circleFixture, i int) (string, int, error) {
	option := f.options[i%len(f.options)]
	status, err := s.Call("POST", "/api/collections/votes/records", f.users[i].token,
		map[string]any{"poll": f.poll, "option": option}, nil)
	return votedFor(f.poll, option), status, err
}

// votedFor names what a vote counts for.
func votedFor(poll, option string) string { return poll + "/" + option }
