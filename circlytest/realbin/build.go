// Package realbin builds the real circly binary and runs it as a separate
// process: `circly serve` on a free loopback port with a data dir of its
// own, a superuser made with `circly superuser upsert` before the start,
// health waiting, SIGKILL and SIGTERM by PID, restarts on the same data dir
// and the process's output. It is shared by the system tests (systemtest)
// and the benchmark program (bench), so it reports errors instead of
// taking a testing.TB; callers that are tests turn them into t.Fatal.
//
// Every process it starts is tracked until it exits; KillAll kills the
// ones still running (a test binary's TestMain or a program's deferred
// clean-up calls it, so nothing outlives a failed run).
package realbin

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// BuildOptions says where and how the binary is built.
type BuildOptions struct {
	// Dir is the repository root (the main package); empty means RepoRoot.
	Dir string
	// OutDir receives the binary; empty means a new temporary directory,
	// removed by RemoveBuilds.
	OutDir string
	// Release builds the way a release is built: -trimpath -ldflags "-s -w".
	Release bool
	// Tags are comma-separated build tags; they also suffix the binary's
	// name (circly-pprof).
	Tags string
	// Log receives the go tool's stdout and stderr; nil means os.Stderr.
	Log io.Writer
}

type buildKey struct {
	dir, outDir, tags string
	release           bool
}

type buildResult struct {
	once sync.Once
	bin  string
	err  error
}

var builds struct {
	mu      sync.Mutex
	results map[buildKey]*buildResult
	tmpDirs []string
}

// RepoRoot is the repository root, found from this file's place in it.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// Build builds the circly binary and returns its path. The same options
// build once per process: later calls return the first call's result.
func Build(o BuildOptions) (string, error) {
	if o.Dir == "" {
		o.Dir = RepoRoot()
	}
	key := buildKey{o.Dir, o.OutDir, o.Tags, o.Release}
	builds.mu.Lock()
	if builds.results == nil {
		builds.results = map[buildKey]*buildResult{}
	}
	r := builds.results[key]
	if r == nil {
		r = &buildResult{}
		builds.results[key] = r
	}
	builds.mu.Unlock()
	r.once.Do(func() { r.bin, r.err = build(o) })
	return r.bin, r.err
}

func build(o BuildOptions) (string, error) {
	if o.OutDir == "" {
		dir, err := os.MkdirTemp("", "circly_realbin_*")
		if err != nil {
			return "", err
		}
		builds.mu.Lock()
		builds.tmpDirs = append(builds.tmpDirs, dir)
		builds.mu.Unlock()
		o.OutDir = dir
	}
	bin := filepath.Join(o.OutDir, "circly")
	args := []string{"build"}
	if o.Release {
		args = append(args, "-trimpath", "-ldflags", "-s -w")
	}
	if o.Tags != "" {
		args = append(args, "-tags", o.Tags)
		bin += "-" + strings.ReplaceAll(o.Tags, ",", "-")
	}
	args = append(args, "-o", bin, ".")
	cmd := exec.Command("go", args...)
	cmd.Dir = o.Dir
	log := o.Log
	if log == nil {
		log = os.Stderr
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build circly in %s: %w", o.Dir, err)
	}
	return bin, nil
}

// RemoveBuilds removes the temporary directories Build made and forgets
// its results.
func RemoveBuilds() {
	builds.mu.Lock()
	defer builds.mu.Unlock()
	for _, dir := range builds.tmpDirs {
		os.RemoveAll(dir)
	}
	builds.tmpDirs = nil
	builds.results = nil
}
