package polls_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
)

// atkNeedle is a byte string an attacker looks for in raw files.
type atkNeedle struct {
	name  string
	bytes []byte
}

// atkLinkNeedles are the forms in which a poll's salt and voter hashes
// could sit on disk: the salt raw and as hex in both cases, each hash as
// stored, upper-cased and as raw bytes.
func atkLinkNeedles(t testing.TB, salt []byte, hashes []string) []atkNeedle {
	t.Helper()
	needles := []atkNeedle{
		{"salt", salt},
		{"salt hex", []byte(hex.EncodeToString(salt))},
		{"salt HEX", []byte(strings.ToUpper(hex.EncodeToString(salt)))},
	}
	for i, h := range hashes {
		raw, err := hex.DecodeString(h)
		if err != nil || len(raw) != 32 {
			t.Fatalf("voter_hash %q is not 64 hex characters", h)
		}
		name := "hash " + string(rune('A'+i))
		needles = append(needles,
			atkNeedle{name, []byte(h)},
			atkNeedle{name + " HEX", []byte(strings.ToUpper(h))},
			atkNeedle{name + " raw", raw},
		)
	}
	return needles
}

// atkScan records in found which needles occur in data (found[needle] = where).
func atkScan(data []byte, where string, needles []atkNeedle, found map[string][]string) {
	for _, n := range needles {
		if bytes.Contains(data, n.bytes) {
			found[n.name] = append(found[n.name], where)
		}
	}
}

// atkScanDataDir scans every regular file of the data dir (data.db, its
// -wal and -shm, auxiliary.db, anything else) except the backups.
func atkScanDataDir(t testing.TB, dir string, needles []atkNeedle) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == core.LocalBackupsDirName && path != dir {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			if os.IsNotExist(err) {
				return nil // a temp file that went away
			}
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		atkScan(data, rel, needles, found)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// atkScanBackup makes a backup and scans every file inside its zip.
func atkScanBackup(t testing.TB, app core.App, name string, needles []atkNeedle) map[string][]string {
	t.Helper()
	if err := app.CreateBackup(context.Background(), name); err != nil {
		t.Fatalf("backup %s: %v", name, err)
	}
	path := filepath.Join(app.DataDir(), core.LocalBackupsDirName, name)
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	found := map[string][]string{}
	files := 0
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		atkScan(data, name+":"+zf.Name, needles, found)
		if strings.HasSuffix(zf.Name, "data.db") {
			files++
		}
	}
	if files == 0 {
		t.Fatalf("backup %s holds no data.db", name)
	}
	return found
}

// atkRequireFound fails unless the salt and every hash (as stored) were found.
func atkRequireFound(t testing.TB, stage string, found map[string][]string, hashes int) {
	t.Helper()
	want := []string{"salt"}
	for i := range hashes {
		want = append(want, "hash "+string(rune('A'+i)))
	}
	for _, name := range want {
		if len(found[name]) == 0 {
			t.Fatalf("%s: %s not found: the scan cannot see what it looks for (found %v)", stage, name, found)
		}
	}
}

// TestAttackOperatorLinksVotesAfterClose: an operator (or anyone who gets
// the files) with circly.key reads the database files byte by byte, and a
// backup, after a poll closed, looking for the poll's salt or the old voter
// hashes, either of which links its votes to voters. Before the close both
// are on disk; after it, nowhere.
func TestAttackOperatorLinksVotesAfterClose(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	svc := circlytest.Circly(t, app).Polls

	// history around the target: a poll voted on and closed before, the
	// target's votes interleaved with another poll's
	earlier := newPollFixture(t, app, 12, true)
	for i := range 12 {
		earlier.mustVote(t, i, i%11)
	}
	if closed, err := svc.ClosePoll(app, earlier.poll); err != nil || !closed {
		t.Fatalf("close the earlier poll: %v %v", closed, err)
	}
	f := newPollFixture(t, app, 9, true)
	other := newPollFixture(t, app, 12, true)
	named := newPollFixture(t, app, 6, false)
	for i := range 12 {
		other.mustVote(t, i, (i+3)%11)
		if i < 9 {
			f.mustVote(t, i, i%8)
		}
		if i < 6 {
			named.mustVote(t, i, i%5)
		}
	}

	// the attacker's snapshot while the poll is open
	var salt []byte
	if err := app.DB().Select("salt").From("_circly_poll_keys").Where(dbx.HashExp{"poll": f.poll}).Row(&salt); err != nil || len(salt) != 32 {
		t.Fatalf("salt: %x %v", salt, err)
	}
	var hashes []string
	if err := app.DB().Select("voter_hash").From("votes").Where(dbx.HashExp{"poll": f.poll}).Column(&hashes); err != nil || len(hashes) != 9 {
		t.Fatalf("hashes: %v %v", hashes, err)
	}
	needles := atkLinkNeedles(t, salt, hashes)

	// the scans see them before the close
	atkRequireFound(t, "files before the close", atkScanDataDir(t, app.DataDir(), needles), len(hashes))
	atkRequireFound(t, "backup before the close", atkScanBackup(t, app, "before-close.zip", needles), len(hashes))
	if err := os.Remove(filepath.Join(app.DataDir(), core.LocalBackupsDirName, "before-close.zip")); err != nil {
		t.Fatal(err)
	}

	if closed, err := svc.ClosePoll(app, f.poll); err != nil || !closed {
		t.Fatalf("close: %v %v", closed, err)
	}
	if total, rows, _ := f.counts(t); total != 9 || rows != 9 {
		t.Fatalf("after close: total %d rows %d", total, rows)
	}

	if found := atkScanDataDir(t, app.DataDir(), needles); len(found) > 0 {
		t.Fatalf("after the close the files still link votes to voters: %v", found)
	}
	if found := atkScanBackup(t, app, "after-close.zip", needles); len(found) > 0 {
		t.Fatalf("a backup made after the close links votes to voters: %v", found)
	}
	// the backup itself wrote nothing back
	if found := atkScanDataDir(t, app.DataDir(), needles); len(found) > 0 {
		t.Fatalf("after the backup the files link votes to voters: %v", found)
	}
}
