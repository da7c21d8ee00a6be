package realbin

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Config describes one circly server.
type Config struct {
	Bin     string   // the circly binary
	DataDir string   // serve --dir
	Env     []string // added to this process's environment
	// Prefix runs the server under another command, e.g. taskset -c 1
	// (which execs the binary in place, so the PID stays the server's).
	Prefix []string
	// The superuser UpsertSuperuser makes and SignIn signs in.
	SuperuserEmail, SuperuserPassword string
	// HealthTimeout bounds the wait for /api/health (default 30 s);
	// HealthPoll is the pause between probes (default 50 ms).
	HealthTimeout, HealthPoll time.Duration
	// OutputLimit, when positive, drops the output kept so far once it
	// holds more than this many bytes (so only the tail is kept).
	OutputLimit int
	// Client sends Call's requests (default: a 30 s timeout).
	Client *http.Client
}

// Server is one circly server; at most one process of it runs at a time.
type Server struct {
	Config
	URL   string // http://127.0.0.1:PORT of the last start
	Token string // the superuser's token, set by SignIn
	proc  *process
}

var defaultClient = &http.Client{Timeout: 30 * time.Second}

// New returns a server with cfg's defaults filled in; nothing runs yet.
func New(cfg Config) *Server {
	if cfg.HealthTimeout == 0 {
		cfg.HealthTimeout = 30 * time.Second
	}
	if cfg.HealthPoll == 0 {
		cfg.HealthPoll = 50 * time.Millisecond
	}
	if cfg.Client == nil {
		cfg.Client = defaultClient
	}
	return &Server{Config: cfg}
}

// Launch makes the superuser, starts the server and signs in; on an error
// no process is left running.
func (s *Server) Launch() error {
	if err := s.UpsertSuperuser(); err != nil {
		return err
	}
	if _, err := s.Start(); err != nil {
		return err
	}
	if err := s.SignIn(); err != nil {
		s.Kill()
		return err
	}
	return nil
}

// UpsertSuperuser runs `circly superuser upsert EMAIL PASS --dir DATADIR`
// (without Prefix).
func (s *Server) UpsertSuperuser() error {
	out, err := exec.Command(s.Bin, "superuser", "upsert", s.SuperuserEmail, s.SuperuserPassword, "--dir", s.DataDir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("superuser upsert: %v\n%s", err, out)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start runs `serve --http 127.0.0.1:PORT --dir DATADIR --dev=false` on a
// free port and returns the time from exec to the first healthy answer.
// If the server exits or is not healthy in time it is killed and Start
// returns an error with its output.
func (s *Server) Start() (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s.URL = "http://" + addr
	argv := append(append([]string{}, s.Prefix...), s.Bin, "serve", "--http", addr, "--dir", s.DataDir, "--dev=false")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), s.Env...)
	t0 := time.Now()
	p, err := startProcess(cmd, s.OutputLimit)
	if err != nil {
		return 0, err
	}
	s.proc = p
	if err := s.waitHealthy(); err != nil {
		s.Kill()
		return 0, err
	}
	return time.Since(t0), nil
}

func (s *Server) waitHealthy() error {
	probe := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(s.HealthTimeout)
	for {
		res, err := probe.Get(s.URL + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-s.proc.exited:
			return fmt.Errorf("server exited early: %v\n%s", s.proc.err, s.proc.out)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not healthy after %v\n%s", s.HealthTimeout, s.proc.out)
		}
		time.Sleep(s.HealthPoll)
	}
}

// Restart stops the server (see Stop; its exit status is not checked),
// starts it again on the same data dir and signs in.
func (s *Server) Restart(timeout time.Duration) error {
	s.Stop(timeout)
	if _, err := s.Start(); err != nil {
		return err
	}
	return s.SignIn()
}

// PID is the running process's id (0 before the first start).
func (s *Server) PID() int {
	if s.proc == nil {
		return 0
	}
	return s.proc.cmd.Process.Pid
}

// Output is what the last started process wrote to stdout and stderr.
func (s *Server) Output() string {
	if s.proc == nil {
		return ""
	}
	return s.proc.out.String()
}

// Signal sends sig to the process by PID.
func (s *Server) Signal(sig os.Signal) error {
	if s.proc == nil {
		return fmt.Errorf("not started")
	}
	return s.proc.cmd.Process.Signal(sig)
}

// Wait waits for the process to exit and returns its exit error (nil for
// status 0).
func (s *Server) Wait() error {
	if s.proc == nil {
		return nil
	}
	<-s.proc.exited
	return s.proc.err
}

// Kill sends SIGKILL by PID and waits until the process is gone; it does
// nothing if no process runs.
func (s *Server) Kill() {
	if s.proc != nil {
		s.proc.kill()
	}
}

// Stop sends SIGTERM (graceful: the database is checkpointed and closed)
// and returns the exit error (nil for status 0). Without an exit within
// timeout the process is killed and Stop says so.
func (s *Server) Stop(timeout time.Duration) error {
	if s.proc == nil {
		return nil
	}
	p := s.proc
	p.cmd.Process.Signal(syscall.SIGTERM) // fails if already gone: fine
	select {
	case <-p.exited:
		return p.err
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("no exit within %v", timeout)
	}
}
