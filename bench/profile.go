package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// profileVotes takes a 2 s CPU profile of the server while round r's votes
// run, into $CIRCLY_BENCH_PROFILE_DIR/votes-r<r>.pb.gz, when that variable
// and CIRCLY_PPROF_ADDR are set (a -tags pprof build); the returned func
// waits for it.
func profileVotes(votes bool, r int) func() {
	dir, addr := os.Getenv("CIRCLY_BENCH_PROFILE_DIR"), os.Getenv("CIRCLY_PPROF_ADDR")
	if !votes || dir == "" || addr == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get("http://" + addr + "/debug/pprof/profile?seconds=2")
		if err != nil {
			logf("profile: %v", err)
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("votes-r%d.pb.gz", r)))
		if err != nil {
			logf("profile: %v", err)
			return
		}
		defer f.Close()
		if _, err := io.Copy(f, resp.Body); err != nil {
			logf("profile: %v", err)
		}
	}()
	return func() { <-done }
}
