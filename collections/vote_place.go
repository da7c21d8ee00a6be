package collections

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/pocketbase/pocketbase/tools/security"
)

// Where a vote row goes in its table and in the id index.
//
// A vote's rowid and id are random (the b-tree order must not tell when a
// vote came), but random over the whole table put every vote on its own
// page: with a million votes stored, each vote read and wrote two pages no
// other vote of its commit touched (the table's leaf and the id index's),
// and the vote cost grew with the database. Instead both are random inside
// a range that belongs to the poll: the high bits of the rowid and the
// first characters of the id come from a hash of the poll id, the rest is
// crypto/rand. A poll's votes share a few pages; their order inside the
// poll is as random as before; the poll a row belongs to is no secret (its
// poll column says it).

// pollPlaceBits is the random part of a vote's rowid: about a million
// places per poll for at most 49 votes.
const pollPlaceBits = 20

// pollIdPrefixLen is the id characters taken from the poll's hash.
const pollIdPrefixLen = 3

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func pollHash(pollId string) [32]byte {
	return sha256.Sum256([]byte("circly.vote-place:" + pollId))
}

// PollRowid returns a random positive rowid in pollId's range of the votes
// table.
func PollRowid(pollId string) int64 {
	h := pollHash(pollId)
	base := binary.BigEndian.Uint64(h[:8]) >> (64 - 62 + pollPlaceBits) // 62 - 20 = 42 bits
	low := uint64(RandomRowid()) & (1<<pollPlaceBits - 1)
	return int64(base<<pollPlaceBits|low) + 1
}

// PollLocalId returns a fresh 15-character record id (PocketBase's id
// alphabet) whose first characters are pollId's: the id of a vote and of
// an option. An option's id is also the key under which each of its votes
// is indexed (idx_votes_option), so with random option ids every vote
// wrote a page of that index no other vote of its commit touched, and
// more of them as the table grew; with the poll's prefix a poll's votes
// share those pages too.
func PollLocalId(pollId string) string {
	h := pollHash(pollId)
	var b strings.Builder
	for i := range pollIdPrefixLen {
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

// withPollRowid runs insert with rowids of pollId's range until one is
// free (a handful of tries: a poll has at most 49 votes in a million places).
func withPollRowid(pollId string, insert func(rowid int64) error) error {
	var err error
	for range 8 {
		if err = insert(PollRowid(pollId)); !isRowidConflict(err) {
			return err
		}
	}
	return err
}
