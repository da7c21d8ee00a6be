//go:build pprof

package main

// Built only with -tags pprof (see BENCHMARKS.md): serves net/http/pprof on
// CIRCLY_PPROF_ADDR (a loopback address) so a benchmark run can be
// profiled. Release builds do not contain it.

import (
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("CIRCLY_PPROF_ADDR")
	if addr == "" {
		return
	}
	go func() {
		if err := http.ListenAndServe(addr, nil); err != nil {
			log.Printf("pprof: %v", err)
		}
	}()
}
