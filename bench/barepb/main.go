// Command barepb is a bare PocketBase, built by the benchmark (bench/) from
// the same module as circly: PocketBase's default app and commands, its
// default users auth collection, nothing of Circly. The benchmark makes
// the collection it creates records in through the API (bench_raw: three
// text fields and a unique index), as it does on the circly server, and
// compares circly's votes with those creates.
package main

import (
	"log"

	"github.com/pocketbase/pocketbase"
)

func main() {
	if err := pocketbase.New().Start(); err != nil {
		log.Fatal(err)
	}
}
