package collections

import (
	"database/sql"
	"regexp"
	"testing"

	_ "modernc.org/sqlite"
)

func TestPollRowidStaysInThePollsRange(t *testing.T) {
	const poll, other = "abcdefghij12345", "zyxwvutsrq98765"
	seen := map[int64]bool{}
	for range 200 {
		r := PollRowid(poll)
		if r <= 0 {
			t.Fatalf("rowid %d not positive", r)
		}
		if r>>pollPlaceBits != PollRowid(poll)>>pollPlaceBits {
			t.Fatalf("rowids of one poll in two ranges")
		}
		seen[r] = true
	}
	if len(seen) < 190 {
		t.Fatalf("only %d distinct rowids of 200: the place in the range is not random", len(seen))
	}
	if PollRowid(poll)>>pollPlaceBits == PollRowid(other)>>pollPlaceBits {
		t.Fatal("two polls share a range")
	}
	idPattern := regexp.MustCompile(`^[a-z0-9]{15}$`)
	a, b := PollLocalId(poll), PollLocalId(poll)
	if !idPattern.MatchString(a) || a == b || a[:pollIdPrefixLen] != b[:pollIdPrefixLen] {
		t.Fatalf("PollLocalId = %q, %q", a, b)
	}
}

// TestRowidConflictIsRetried: a rowid already taken is SQLite's unique
// error on votes.rowid, which withPollRowid retries with another rowid.
func TestRowidConflictIsRetried(t *testing.T) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE votes (id TEXT PRIMARY KEY NOT NULL, poll TEXT)"); err != nil {
		t.Fatal(err)
	}
	taken := PollRowid("p")
	if _, err := db.Exec("INSERT INTO votes (rowid, id, poll) VALUES (?, 'a', 'p')", taken); err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec("INSERT INTO votes (rowid, id, poll) VALUES (?, 'b', 'p')", taken)
	if !isRowidConflict(err) {
		t.Fatalf("a taken rowid gave %v, not recognised as a rowid conflict", err)
	}
	tries := 0
	err = withPollRowid("p", func(rowid int64) error {
		tries++
		if tries < 3 {
			rowid = taken
		}
		_, err := db.Exec("INSERT INTO votes (rowid, id, poll) VALUES (?, ?, 'p')", rowid, PollLocalId("p"))
		return err
	})
	if err != nil || tries != 3 {
		t.Fatalf("withPollRowid = %v after %d tries, want nil after 3", err, tries)
	}
}
