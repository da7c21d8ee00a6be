package realbin

import (
	"bytes"
	"os/exec"
	"sync"
	"syscall"
)

// process is one started server process.
type process struct {
	cmd    *exec.Cmd
	out    *output
	exited chan struct{} // closed once Wait has returned
	err    error         // Wait's result, set before exited closes
}

// running holds every process started here that has not exited yet.
var running struct {
	mu    sync.Mutex
	procs map[*process]bool
}

// startProcess starts cmd with its output captured and tracks it until it
// exits.
func startProcess(cmd *exec.Cmd, outputLimit int) (*process, error) {
	p := &process{cmd: cmd, out: &output{limit: outputLimit}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	running.mu.Lock()
	if running.procs == nil {
		running.procs = map[*process]bool{}
	}
	running.procs[p] = true
	running.mu.Unlock()
	go func() {
		p.err = cmd.Wait()
		running.mu.Lock()
		delete(running.procs, p)
		running.mu.Unlock()
		close(p.exited)
	}()
	return p, nil
}

// kill sends SIGKILL by PID unless the process has exited, and waits.
func (p *process) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// KillAll kills every process started by this package that still runs and
// waits for them to exit.
func KillAll() {
	running.mu.Lock()
	var procs []*process
	for p := range running.procs {
		procs = append(procs, p)
	}
	running.mu.Unlock()
	for _, p := range procs {
		p.kill()
	}
}

// output collects a process's stdout and stderr.
type output struct {
	mu    sync.Mutex
	b     bytes.Buffer
	limit int
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.limit > 0 && o.b.Len() > o.limit { // keep the tail only
		o.b.Reset()
	}
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
