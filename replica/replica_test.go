package replica

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestTruncateWALThroughLitestreamLosesNoFrame writes rows around
// truncating checkpoints made through the replicator (as Circly does after
// a poll's close) and restores: every row is there, and the checkpoint
// really restarted the WAL.
func TestTruncateWALThroughLitestreamLosesNoFrame(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", DBFile)
	os.MkdirAll(filepath.Dir(dbPath), 0o755)
	db, err := sql.Open("sqlite", dbPath+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE votes (n INTEGER)`); err != nil {
		t.Fatal(err)
	}
	s := Settings{URL: "file://" + filepath.Join(dir, "replica"), SyncInterval: 50 * time.Millisecond, Retention: time.Hour}
	r, err := Start(context.Background(), dbPath, s)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for round := range 3 {
		for range 50 {
			n++
			if _, err := db.Exec(`INSERT INTO votes VALUES (?)`, n); err != nil {
				t.Fatal(err)
			}
		}
		before, _ := walHeader(dbPath + "-wal")
		if err := r.TruncateWAL(context.Background()); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		after, _ := walHeader(dbPath + "-wal")
		if string(before) == string(after) {
			t.Fatalf("round %d: the WAL was not restarted", round)
		}
	}
	if err := r.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(dir, "restored")
	if err := Restore(context.Background(), s.URL, "", out); err != nil {
		t.Fatal(err)
	}
	rdb, err := sql.Open("sqlite", filepath.Join(out, DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	var got, sum int
	if err := rdb.QueryRow(`SELECT count(*), sum(n) FROM votes`).Scan(&got, &sum); err != nil {
		t.Fatal(err)
	}
	if got != n || sum != n*(n+1)/2 {
		t.Fatalf("restored %d rows (sum %d), want %d (sum %d)", got, sum, n, n*(n+1)/2)
	}
}

func TestRestoreRefusesAUsedDataDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, KeyFile), []byte("k"), 0o600)
	if err := checkEmpty(dir); err != nil {
		t.Fatalf("circly.key alone: %v", err)
	}
	if err := checkEmpty(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("missing dir: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "auxiliary.db"), nil, 0o600)
	if err := Restore(context.Background(), "file:///nowhere", "", dir); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("dir with auxiliary.db: %v", err)
	}
}

func TestNewClientURLs(t *testing.T) {
	for _, bad := range []string{"", "http://x/y", "file://relative/path", "s3:///prefix"} {
		if _, err := NewClient(bad, ""); !errors.Is(err, ErrBadURL) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	for _, good := range []string{"file:///var/replica", "s3://bucket/prefix"} {
		if _, err := NewClient(good, "http://127.0.0.1:9000"); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
}
