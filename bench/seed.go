package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite"

	"circly/collections"
)

// Direct seeding of a stopped server's database, for sizes the API cannot
// reach in reasonable time (100,000 votes on one poll; 100,000 polls). The
// rows are what Circly itself writes, and every counter stays consistent:
// options.tally = options.vote_count = number of vote rows of the option,
// polls.total_votes = number of vote rows of the poll, one participation
// row per vote.

func openData(dataDir string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "data.db")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newId is a PocketBase-style 15-character record id.
func newId() string {
	b := make([]byte, 15)
	rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

func randHash() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func pbTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") }

// seedVotes adds n anonymous vote rows to an open poll (spread over its
// options), one participation row each, and moves the counters with them.
func seedVotes(dataDir, pollId string, n int) error {
	db, err := openData(dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()

	rows, err := tx.Query("SELECT id FROM options WHERE poll = ? ORDER BY `order`", pollId)
	if err != nil {
		return err
	}
	var opts []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		opts = append(opts, id)
	}
	rows.Close()
	if len(opts) == 0 {
		return fmt.Errorf("poll %s has no options", pollId)
	}

	vote, err := tx.Prepare("INSERT INTO votes (id, poll, option, voter_hash, member) VALUES (?, ?, ?, ?, '')")
	if err != nil {
		return err
	}
	part, err := tx.Prepare("INSERT INTO _circly_participation (poll, voter) VALUES (?, ?)")
	if err != nil {
		return err
	}
	per := make([]int, len(opts))
	for i := range n {
		// a skewed spread, like real polls: option k gets weight k+1
		k := (i * 7919) % (len(opts) * (len(opts) + 1) / 2)
		o := 0
		for acc := 0; ; o++ {
			acc += o + 1
			if k < acc {
				break
			}
		}
		per[o]++
		if _, err := vote.Exec(newId(), pollId, opts[o], randHash()); err != nil {
			return err
		}
		if _, err := part.Exec(pollId, randHash()); err != nil {
			return err
		}
	}
	for i, id := range opts {
		if _, err := tx.Exec("UPDATE options SET tally = tally + ? WHERE id = ?", per[i], id); err != nil {
			return err
		}
	}
	if _, err := tx.Exec("UPDATE polls SET total_votes = total_votes + ? WHERE id = ?", n, pollId); err != nil {
		return err
	}
	if err := publishIfRevealed(tx, pollId); err != nil {
		return err
	}
	return tx.Commit()
}

// publishIfRevealed makes vote_count follow tally once the poll has at least
// 3 votes (CIRCLY_RESULTS_MIN_VOTES, default), as Circly does.
func publishIfRevealed(tx *sql.Tx, pollId string) error {
	_, err := tx.Exec(`UPDATE options SET vote_count = tally
		WHERE poll = ? AND (SELECT total_votes FROM polls WHERE id = ?) >= 3`, pollId, pollId)
	return err
}

// seedCircle is a circle made through the API, described for seeding:
// member ids in join order, nicknames, the creator's user id and, when
// set, the members' user ids (then each seeded poll gets its electorate).
type seedCircle struct {
	id, creatorUser string
	members         []string // member ids, creator first
	nicknames       []string
	users           []string // user ids of members, or nil
}

// seedClosedPolls adds n closed anonymous polls to the given circles, each
// with one option per member but the creator and one vote per member (never
// for itself), already reshuffled as closing leaves them: random hashes, no
// key; and the electorate (every member) when the circles name their users.
// It returns how many votes it added.
func seedClosedPolls(dataDir string, circles []seedCircle, templateId, question string, n int) (int, error) {
	db, err := openData(dataDir)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()

	insPoll, err := tx.Prepare(`INSERT INTO polls (id, circle, creator, template, question_text, deadline, is_anonymous, status, total_votes, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, 1, 'closed', ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	insOpt, err := tx.Prepare("INSERT INTO options (id, poll, member, nickname, `order`, vote_count, tally) VALUES (?, ?, ?, ?, ?, ?, ?)")
	if err != nil {
		return 0, err
	}
	insVote, err := tx.Prepare("INSERT INTO votes (rowid, id, poll, option, voter_hash, member) VALUES (?, ?, ?, ?, ?, '')")
	if err != nil {
		return 0, err
	}
	insPart, err := tx.Prepare("INSERT INTO _circly_participation (poll, voter) VALUES (?, ?)")
	if err != nil {
		return 0, err
	}
	insElector, err := tx.Prepare("INSERT INTO electors (id, poll, user) VALUES (?, ?, ?)")
	if err != nil {
		return 0, err
	}

	votes := 0
	base := time.Now().Add(-30 * 24 * time.Hour)
	for i := range n {
		c := circles[i%len(circles)]
		// ids and places as the server gives them (collections'
		// vote_place.go): a poll named by the minute it started in, its
		// options' and votes' ids and its votes' rowids in its range
		created := base.Add(time.Duration(i) * time.Second)
		pollId := collections.NewPollId(created)
		others := c.members[1:]
		optIds := make([]string, len(others))
		for k := range optIds {
			optIds[k] = collections.PollLocalId(pollId)
		}
		// member j votes for option (j+1) mod len; the creator (j = 0)
		// votes too. Member j ≥ 1 is option j-1, so never its own.
		tally := make([]int, len(others))
		for j := range c.members {
			tally[(j+1)%len(others)]++
		}
		total := len(c.members)
		if _, err := insPoll.Exec(pollId, c.id, c.creatorUser, templateId, question, pbTime(created.Add(24*time.Hour)), total, pbTime(created), pbTime(created.Add(24*time.Hour))); err != nil {
			return votes, err
		}
		for k, m := range others {
			if _, err := insOpt.Exec(optIds[k], pollId, m, c.nicknames[k+1], k, tally[k], tally[k]); err != nil {
				return votes, err
			}
		}
		for _, u := range c.users {
			if _, err := insElector.Exec(newId(), pollId, u); err != nil {
				return votes, err
			}
		}
		for j := range c.members {
			if err := insertPlaced(insVote, pollId, optIds[(j+1)%len(others)]); err != nil {
				return votes, err
			}
			if _, err := insPart.Exec(pollId, randHash()); err != nil {
				return votes, err
			}
			votes++
		}
	}
	return votes, tx.Commit()
}

// insertPlaced inserts a scrubbed vote row (a random voter_hash) with an
// id and a rowid in its poll's range, as the server does.
func insertPlaced(ins *sql.Stmt, pollId, optionId string) error {
	return collections.WithPollRowid(pollId, func(rowid int64) error {
		_, err := ins.Exec(rowid, collections.PollLocalId(pollId), pollId, optionId, randHash())
		return err
	})
}

// checkCounts verifies that every counter equals its rows; it returns the
// number of polls and options whose counters disagree.
func checkCounts(dataDir string) (badPolls, badOptions int, err error) {
	db, err := openData(dataDir)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	err = db.QueryRow(`SELECT count(*) FROM polls p WHERE p.total_votes != (SELECT count(*) FROM votes v WHERE v.poll = p.id)`).Scan(&badPolls)
	if err != nil {
		return
	}
	err = db.QueryRow(`SELECT count(*) FROM options o WHERE o.tally != (SELECT count(*) FROM votes v WHERE v.option = o.id)`).Scan(&badOptions)
	return
}

// countRows counts polls and votes in a stopped server's database.
func countRows(dataDir string) (polls, votes int, err error) {
	db, err := openData(dataDir)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if err = db.QueryRow("SELECT count(*) FROM polls").Scan(&polls); err != nil {
		return
	}
	err = db.QueryRow("SELECT count(*) FROM votes").Scan(&votes)
	return
}
