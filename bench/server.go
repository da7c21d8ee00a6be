package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"circly/circlytest/realbin"
)

const (
	suEmail    = "bench@example.com"
	suPassword = "bench-superuser-password-1"
)

// stopTimeout is how long a graceful stop may take before SIGKILL.
const stopTimeout = 30 * time.Second

// server is one running circly process, pinned to the server CPU.
type server struct {
	*realbin.Server
}

// serverPrefix is the command prefix that pins a process to the server CPU
// (none when the run does not pin).
func serverPrefix() []string {
	if pin.enabled {
		return []string{"taskset", "-c", pin.serverCPU}
	}
	return nil
}

// serverCommand wraps argv with taskset when the run pins processes.
func serverCommand(argv ...string) *exec.Cmd {
	argv = append(serverPrefix(), argv...)
	return exec.Command(argv[0], argv[1:]...)
}

// serverConfig is how bench runs the binary: pinned, a minute to become
// healthy (probed every 5 ms, for the cold start figures), output tail only,
// and poll quotas out of the way (the scenarios start thousands of polls
// per circle; the quota's own cost is two indexed counts per create).
func serverConfig(bin, dataDir string, env ...string) realbin.Config {
	env = append([]string{"CIRCLY_POLLS_PER_DAY=1000000000", "CIRCLY_OPEN_POLLS_MAX=1000000000"}, env...)
	return realbin.Config{
		Bin: bin, DataDir: dataDir, Env: env, Prefix: serverPrefix(),
		SuperuserEmail: suEmail, SuperuserPassword: suPassword,
		HealthTimeout: 60 * time.Second, HealthPoll: 5 * time.Millisecond,
		OutputLimit: 1 << 20, Client: setupClient,
	}
}

// benchEnv is the settings of the benchmark servers with many users.
func benchEnv() []string {
	return []string{
		"CIRCLY_EXPO_BASE_URL=http://127.0.0.1:9", // nothing listens: pushes fail fast and are retried later
		"CIRCLY_JOIN_PER_USER_PER_MINUTE=1000000", // setup joins many circles per user
	}
}

// newServer makes a fresh data dir with a superuser, starts the binary,
// signs the superuser in and turns the rate limiter off.
func newServer(bin, dataDir string, env ...string) (*server, error) {
	s := &server{realbin.New(serverConfig(bin, dataDir, env...))}
	if err := s.Launch(); err != nil {
		return nil, err
	}
	return s, nil
}

// coldStarts starts the binary on n fresh data dirs (migrations and the
// template seed included) and returns each time to the first healthy answer
// and the idle RSS a few seconds later.
func coldStarts(bin, tmp string, n int) ([]time.Duration, []int, error) {
	var starts []time.Duration
	var rss []int
	for i := range n {
		s := realbin.New(serverConfig(bin, filepath.Join(tmp, fmt.Sprintf("cold%d", i))))
		d, err := s.Start()
		if err != nil {
			return nil, nil, err
		}
		time.Sleep(2 * time.Second)
		rss = append(rss, rssKB(s.PID(), "VmRSS"))
		starts = append(starts, d)
		s.Stop(stopTimeout)
		os.RemoveAll(s.DataDir)
	}
	return starts, rss, nil
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

// call sends a JSON request and decodes a 2xx answer into out (may be nil).
func (s *server) call(method, path, token string, body any, out any) error {
	_, err := s.Call(method, path, token, body, out)
	return err
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
