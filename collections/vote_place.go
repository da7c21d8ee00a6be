package collections

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/tools/security"
)

// Where a poll's rows go in their tables and indexes.
//
// A vote's rowid and id are random (the b-tree order must not tell when a
// vote came), but random over the whole table put every vote on its own
// page: with a million votes stored, each vote read and wrote two pages no
// other vote of its commit touched (the table's leaf and the id index's),
// and the vote cost grew with the database. Instead both are random inside
// a range that belongs to the poll: the high bits of the rowid and the
// first characters of the id come from the poll id, the rest is
// crypto/rand. A poll's votes share a few pages; their order inside the
// poll is as random as before; the poll a row belongs to is no secret (its
// poll column says it).
//
// And the polls' ranges follow the minute in which each poll was started
// (NewPollId): a poll id begins with that minute, so the polls started
// lately, which get most of the votes, have their rows side by side at
// the end of every table and index keyed by poll (votes, options,
// electors, participations, the polls themselves), whatever the number of
// older polls stored. With random poll ids, each vote's commit wrote pages
// scattered over the whole of every such index, more of them the larger
// the database (BENCHMARKS.md, "Polls placed by the minute they start").
// The minute a poll started is no secret either: its record's created
// field says it, to the millisecond, to everyone who may see the poll.

// pollPlaceBits is the random part of a vote's rowid: about a million
// places per poll for at most 49 votes.
const pollPlaceBits = 20

// pollMinuteBits and pollHashBits are the rest of a vote's rowid: the
// poll's minute, then a hash of its id that tells polls of the same minute
// apart (two polls of one minute may share a range: their rows then share
// pages, and a taken rowid is retried).
const (
	pollMinuteBits = 26
	pollHashBits   = 62 - pollMinuteBits - pollPlaceBits
)

// minuteIdLen is the leading characters of a poll id that name its
// minute: five base-36 digits, 60,466,176 minutes (115 years) from
// minuteEpoch.
const minuteIdLen = 5

// pollIdPrefixLen is the characters of a vote's or option's id taken from
// its poll: the poll's minute, then two characters of a hash of its id.
const pollIdPrefixLen = minuteIdLen + 2

// maxMinute is the last minute five base-36 digits name; it fits in
// pollMinuteBits (36^5 < 2^26).
const maxMinute = 36*36*36*36*36 - 1

// minuteEpoch is minute 0 of poll ids.
var minuteEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// minuteDigits are the base-36 digits, in ASCII order, so ids sort by
// minute in SQLite's BINARY collation.
const minuteDigits = "0123456789abcdefghijklmnopqrstuvwxyz"

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewPollId returns a fresh 15-character record id (PocketBase's id
// alphabet) for a poll started at t: five characters naming t's minute,
// then ten random ones (crypto/rand).
func NewPollId(t time.Time) string {
	minutes := int64(t.Sub(minuteEpoch) / time.Minute)
	minutes = min(max(minutes, 0), maxMinute)
	var b [minuteIdLen]byte
	for i := minuteIdLen - 1; i >= 0; i-- {
		b[i] = minuteDigits[minutes%36]
		minutes /= 36
	}
	return string(b[:]) + security.RandomStringWithAlphabet(15-minuteIdLen, idAlphabet)
}

// pollMinute is the minute a poll id begins with, or false for an id that
// does not begin with base-36 digits.
func pollMinute(pollId string) (uint64, bool) {
	if len(pollId) < minuteIdLen {
		return 0, false
	}
	var m uint64
	for i := range minuteIdLen {
		d := strings.IndexByte(minuteDigits, pollId[i])
		if d < 0 {
			return 0, false
		}
		m = m*36 + uint64(d)
	}
	return m, true
}

func pollHash(pollId string) [32]byte {
	return sha256.Sum256([]byte("circly.vote-place:" + pollId))
}

// PollRowid returns a random positive rowid in pollId's range of the votes
// table: the poll's minute, a hash of its id, then random bits.
func PollRowid(pollId string) int64 {
	h := pollHash(pollId)
	mix := binary.BigEndian.Uint64(h[:8])
	minute, ok := pollMinute(pollId)
	if !ok {
		minute = mix >> (64 - pollMinuteBits)
	}
	base := minute<<pollHashBits | mix&(1<<pollHashBits-1)
	low := uint64(RandomRowid()) & (1<<pollPlaceBits - 1)
	return int64(base<<pollPlaceBits|low) + 1
}

// PollLocalId returns a fresh 15-character record id (PocketBase's id
// alphabet) whose first characters are pollId's minute and a hash of
// pollId: the id of a vote and of an option. An option's id is also the
// key under which each of its votes is indexed (idx_votes_option), so
// with random option ids every vote wrote a page of that index no other
// vote of its commit touched, and more of them as the table grew; with the
// poll's prefix a poll's votes share those pages too.
func PollLocalId(pollId string) string {
	h := pollHash(pollId)
	var b strings.Builder
	if _, ok := pollMinute(pollId); ok {
		b.WriteString(pollId[:minuteIdLen])
	} else {
		for i := range minuteIdLen {
			b.WriteByte(idAlphabet[int(h[12+i])%len(idAlphabet)])
		}
	}
	for i := range pollIdPrefixLen - minuteIdLen {
		b.WriteByte(idAlphabet[int(h[8+i])%len(idAlphabet)])
	}
	b.WriteString(security.RandomStringWithAlphabet(15-pollIdPrefixLen, idAlphabet))
	return b.String()
}

// isRowidConflict reports the failure of an insert whose random rowid was
// taken: nothing was written, another rowid will do.
func isRowidConflict(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: votes.rowid")
}

// WithPollRowid runs insert with rowids of pollId's range until one is
// free (a handful of tries: a poll has at most 49 votes in a million
// places). The server's vote inserts use it, and so does the bench's
// seeder, which writes rows as the server would.
func WithPollRowid(pollId string, insert func(rowid int64) error) error {
	var err error
	for range 8 {
		if err = insert(PollRowid(pollId)); !isRowidConflict(err) {
			return err
		}
	}
	return err
}
