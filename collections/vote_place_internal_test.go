package collections

import (
	"database/sql"
	"regexp"
	"testing"
	"time"

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
// error on votes.rowid, which WithPollRowid retries with another rowid.
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
	err = WithPollRowid("p", func(rowid int64) error {
		tries++
		if tries < 3 {
			rowid = taken
		}
		_, err := db.Exec("INSERT INTO votes (rowid, id, poll) VALUES (?, ?, 'p')", rowid, PollLocalId("p"))
		return err
	})
	if err != nil || tries != 3 {
		t.Fatalf("WithPollRowid = %v after %d tries, want nil after 3", err, tries)
	}
}

// TestPollIdsFollowTheMinute: a poll id begins with the minute the poll
// started in, so later polls sort after earlier ones (SQLite's BINARY
// order is the bytes' order), and so do their votes' rowids and their
// options' and votes' ids; polls of the same minute still get ranges of
// their own.
func TestPollIdsFollowTheMinute(t *testing.T) {
	idPattern := regexp.MustCompile(`^[a-z0-9]{15}$`)
	t0 := time.Date(2026, 11, 30, 20, 30, 0, 0, time.UTC)
	var prev string
	for _, d := range []time.Duration{0, time.Minute, 35 * time.Minute, 36 * time.Minute, time.Hour, 24 * 400 * time.Hour, 24 * 365 * 100 * time.Hour} {
		id := NewPollId(t0.Add(d))
		if !idPattern.MatchString(id) {
			t.Fatalf("NewPollId = %q, not a PocketBase id", id)
		}
		if m, ok := pollMinute(id); !ok || m != uint64(t0.Add(d).Sub(minuteEpoch)/time.Minute) {
			t.Fatalf("pollMinute(%q) = %d, %v", id, m, ok)
		}
		if PollLocalId(id)[:minuteIdLen] != id[:minuteIdLen] {
			t.Fatalf("PollLocalId(%q) = %q: not in the poll's minute", id, PollLocalId(id))
		}
		if prev != "" {
			if id <= prev || PollLocalId(id) <= PollLocalId(prev) || PollRowid(id) <= PollRowid(prev) {
				t.Fatalf("poll %q (+%v) does not sort after %q", id, d, prev)
			}
		}
		prev = id
	}
	if id := NewPollId(minuteEpoch.Add(-time.Hour)); id[:minuteIdLen] != "00000" {
		t.Fatalf("a time before the epoch gave %q", id)
	}
	a, b := NewPollId(t0), NewPollId(t0)
	if a == b || a[:minuteIdLen] != b[:minuteIdLen] || PollRowid(a)>>pollPlaceBits == PollRowid(b)>>pollPlaceBits {
		t.Fatalf("two polls of one minute: %q, %q (rowid ranges %d, %d)", a, b, PollRowid(a)>>pollPlaceBits, PollRowid(b)>>pollPlaceBits)
	}
}
