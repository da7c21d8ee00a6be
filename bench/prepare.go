package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"

	"circly/circlytest/realbin"
)

// prepare makes the temporary dir and the binary (built, or -bin), then
// re-executes this program pinned to CPU 0 when it can pin (so it does not
// return then); otherwise the generator runs with GOMAXPROCS=1.
func prepare(o options, repo string) (bin, tmp string, err error) {
	tmp, err = os.MkdirTemp("", "circly_bench_*")
	if err != nil {
		return "", "", err
	}
	if o.bin != "" {
		if bin, err = filepath.Abs(o.bin); err != nil {
			return "", "", err
		}
	} else {
		logf("building circly in %s", repo)
		if bin, err = realbin.Build(realbin.BuildOptions{Dir: repo, OutDir: tmp, Release: true, Tags: o.tags}); err != nil {
			return "", "", fmt.Errorf("build: %w", err)
		}
	}
	if bareBin, err = buildBare(repo, tmp); err != nil {
		return "", "", err
	}
	_, tasksetErr := exec.LookPath("taskset")
	if !o.noPin && tasksetErr == nil && runtime.NumCPU() >= 2 {
		// re-execute pinned to CPU 0; the server will run on CPU 1
		self, err := os.Executable()
		if err != nil {
			return "", "", err
		}
		taskset, _ := exec.LookPath("taskset")
		env := append(os.Environ(), "CIRCLY_BENCH_CHILD=1", "CIRCLY_BENCH_BIN="+bin, "CIRCLY_BENCH_TMP="+tmp, "CIRCLY_BENCH_BARE="+bareBin, "CIRCLY_BENCH_PINNED=1")
		argv := append([]string{"taskset", "-c", "0", self}, os.Args[1:]...)
		return "", "", syscall.Exec(taskset, argv, env)
	}
	runtime.GOMAXPROCS(1)
	return bin, tmp, nil
}

// bareBin is the bare PocketBase binary (bench/barepb) of this run.
var bareBin string

// buildBare builds bench/barepb, a PocketBase of the same module with
// nothing of Circly, the baseline the votes are compared with.
func buildBare(repo, tmp string) (string, error) {
	logf("building bare PocketBase (bench/barepb)")
	bin := filepath.Join(tmp, "barepb")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./bench/barepb")
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build bench/barepb: %w", err)
	}
	return bin, nil
}
