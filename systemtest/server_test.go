package systemtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"circly/circlytest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "circly_systemtest_*")
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "circly")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = circlytest.RepoRoot()
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Println("build:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running circly process.
type server struct {
	t       testing.TB
	dataDir string
	url     string
	env     []string
	cmd     *exec.Cmd
	output  *lockedBuffer
	exited  chan struct{}
	exitErr error

	suToken string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const (
	suEmail    = "admin@example.com"
	suPassword = "system-test-password-1"
)

// newServer prepares a data dir with a superuser and starts the binary.
func newServer(t testing.TB, env ...string) *server {
	t.Helper()
	s := &server{t: t, dataDir: filepath.Join(t.TempDir(), "pb_data"), env: env}
	out, err := exec.Command(binary, "superuser", "upsert", suEmail, suPassword, "--dir", s.dataDir).CombinedOutput()
	if err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
	s.start()
	t.Cleanup(func() { s.kill() })
	s.adminSetup()
	return s
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs the binary on the data dir and waits until it is healthy.
func (s *server) start() {
	t := s.t
	t.Helper()
	port := freePort(t)
	s.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.output = &lockedBuffer{}
	s.cmd = exec.Command(binary, "serve", "--http", fmt.Sprintf("127.0.0.1:%d", port), "--dir", s.dataDir, "--dev=false")
	s.cmd.Env = append(os.Environ(), append([]string{"CIRCLY_EXPO_BASE_URL=http://127.0.0.1:9"}, s.env...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		s.exitErr = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)

	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(s.url + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("server exited early: %v\n%s", s.exitErr, s.output)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy after 30s\n%s", s.output)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// terminate sends SIGTERM and returns the exit error (nil for exit 0).
func (s *server) terminate(timeout time.Duration) error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.exitErr
	case <-time.After(timeout):
		s.kill()
		return fmt.Errorf("no exit within %v", timeout)
	}
}

// adminSetup signs the superuser in and turns the rate limiter off so
// tests can act as many users from one IP.
func (s *server) adminSetup() {
	var res struct {
		Token string `json:"token"`
	}
	s.mustDo("POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": suEmail, "password": suPassword}, 200, &res)
	s.suToken = res.Token
	s.mustDo("PATCH", "/api/settings", s.suToken, map[string]any{"rateLimits": map[string]any{"enabled": false}}, 200, nil)
}

var client = &http.Client{Timeout: 30 * time.Second}

// do sends a JSON request; out may be nil.
func (s *server) do(method, path, token string, body any, out any) (int, error) {
	var rdr io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rdr = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.url+path, rdr)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && len(raw) > 0 && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: %w: %s", method, path, err, raw)
		}
	}
	if res.StatusCode >= 300 && out != nil {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode, nil
}

func (s *server) mustDo(method, path, token string, body any, want int, out any) {
	s.t.Helper()
	status, err := s.do(method, path, token, body, out)
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
	id, token string
}

func (s *server) newUser() user {
	s.t.Helper()
	var res struct {
		Token  string `json:"token"`
		Record struct {
			Id string `json:"id"`
		} `json:"record"`
	}
	s.mustDo("POST", "/api/circly/auth/device", "", map[string]any{
		"device_id": "systest-" + randomHex(8), "device_secret": randomHex(24),
	}, 200, &res)
	return user{res.Record.Id, res.Token}
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

// vote casts user i's vote for an option that is not their own.
func (s *server) vote(f *circleFixture, i int) (string, int, error) {
	var res struct {
		Id string `json:"id"`
	}
	status, err := s.do("POST", "/api/collections/votes/records", f.users[i].token,
		map[string]any{"poll": f.poll, "option": f.options[i%len(f.options)]}, &res)
	return res.Id, status, err
}
