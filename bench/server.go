package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	suEmail    = "bench@example.com"
	suPassword = "bench-superuser-password-1"
)

// buildServer builds the circly binary the way a release is built and
// returns its path.
func buildServer(repo, outDir string, tags string) (string, error) {
	bin := filepath.Join(outDir, "circly")
	args := []string{"build", "-trimpath", "-ldflags", "-s -w"}
	if tags != "" {
		args = append(args, "-tags", tags)
		bin += "-" + strings.ReplaceAll(tags, ",", "-")
	}
	args = append(args, "-o", bin, ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return bin, cmd.Run()
}

// server is one running circly process, pinned to the server CPU.
type server struct {
	bin     string
	dataDir string
	env     []string
	url     string
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
	if l.b.Len() > 1<<20 { // keep the tail only
		l.b.Reset()
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// serverCommand wraps argv with taskset when the run pins processes.
func serverCommand(argv ...string) *exec.Cmd {
	if pin.enabled {
		argv = append([]string{"taskset", "-c", pin.serverCPU}, argv...)
	}
	return exec.Command(argv[0], argv[1:]...)
}

// newServer makes a fresh data dir with a superuser, starts the binary,
// signs the superuser in and turns the rate limiter off.
func newServer(bin, dataDir string, env ...string) (*server, error) {
	s := &server{bin: bin, dataDir: dataDir, env: env}
	out, err := exec.Command(bin, "superuser", "upsert", suEmail, suPassword, "--dir", dataDir).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("superuser upsert: %v\n%s", err, out)
	}
	if _, err := s.start(); err != nil {
		return nil, err
	}
	if err := s.adminSetup(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// start runs the binary on the data dir and returns the time from exec to
// the first healthy answer.
func (s *server) start() (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	s.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	s.output = &lockedBuffer{}
	s.cmd = serverCommand(s.bin, "serve", "--http", fmt.Sprintf("127.0.0.1:%d", port), "--dir", s.dataDir, "--dev=false")
	s.cmd.Env = append(os.Environ(), s.env...)
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	t0 := time.Now()
	if err := s.cmd.Start(); err != nil {
		return 0, err
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		s.exitErr = cmd.Wait()
		close(exited)
	}(s.cmd, s.exited)

	probe := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := probe.Get(s.url + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(t0), nil
			}
		}
		select {
		case <-s.exited:
			return 0, fmt.Errorf("server exited early: %v\n%s", s.exitErr, s.output)
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return 0, fmt.Errorf("server not healthy after 60s\n%s", s.output)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pid is the server's process id (taskset execs the binary in place).
func (s *server) pid() int { return s.cmd.Process.Pid }

// stop sends SIGTERM (graceful: the database is checkpointed and closed)
// and waits; SIGKILL after 30 s.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.exited
	}
}

// restart stops the server and starts it again on the same data dir.
func (s *server) restart() error {
	s.stop()
	if _, err := s.start(); err != nil {
		return err
	}
	return s.adminSetup()
}

func (s *server) adminSetup() error {
	var res struct {
		Token string `json:"token"`
	}
	if err := s.call("POST", "/api/collections/_superusers/auth-with-password", "",
		map[string]any{"identity": suEmail, "password": suPassword}, &res); err != nil {
		return err
	}
	s.suToken = res.Token
	return s.call("PATCH", "/api/settings", s.suToken, map[string]any{"rateLimits": map[string]any{"enabled": false}}, nil)
}

// rssKB reads a /proc/PID/status field (VmRSS, VmHWM) in kB.
func rssKB(pid int, field string) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, field+":") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
	}
	return 0
}

// ---- HTTP ----

// newClient returns a client whose pool keeps conns idle connections.
func newClient(conns int) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 120 * time.Second}
}

var setupClient = newClient(128)

// apiError is a non-2xx answer.
type apiError struct {
	method, path string
	status       int
	body         string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.method, e.path, e.status, e.body)
}

// call sends a JSON request and decodes a 2xx answer into out (may be nil).
func (s *server) call(method, path, token string, body any, out any) error {
	var rdr io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rdr = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.url+path, rdr)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := setupClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return &apiError{method, path, res.StatusCode, string(raw)}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// cpuTime is the CPU time (user + system) a process has used so far.
func cpuTime(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// fields after the command name, which is in parentheses
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on Linux.
const clockTicks = 100
