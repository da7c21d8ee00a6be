package polls_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/pocketbase/dbx"

	"circly/circlytest"
)

// atkKendallTau is Kendall's tau between the positions of a list and the
// values it holds (arrival indices in stored order): 1 when stored in
// arrival order, -1 when reversed, near 0 for a random order (for 40 items
// its standard deviation is about 0.11, so |tau| > 0.5 happens by chance
// with probability ~1e-5).
func atkKendallTau(arrival []int) float64 {
	n := len(arrival)
	s := 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			switch {
			case arrival[j] > arrival[i]:
				s++
			case arrival[j] < arrival[i]:
				s--
			}
		}
	}
	return float64(s) / float64(n*(n-1)/2)
}

// atkOrderPoll is a 41-member anonymous poll in which voters 0..39 voted,
// in that order, each for a different option (voter i for option i, the
// member after it), so an option names the arrival of its vote.
type atkOrderPoll struct {
	*pollFixture
	arrivalOfOption map[string]int
	arrivalOfVoter  map[string]int // participation hash → arrival
}

const atkOrderVoters = 40

func newAtkOrderPoll(t *testing.T) *atkOrderPoll {
	t.Helper()
	app := circlytest.NewTestApp(t)
	svc := circlytest.Circly(t, app).Polls
	p := &atkOrderPoll{pollFixture: newPollFixture(t, app, atkOrderVoters+1, true),
		arrivalOfOption: map[string]int{}, arrivalOfVoter: map[string]int{}}
	for i := range atkOrderVoters {
		p.mustVote(t, i, i)
		p.arrivalOfOption[p.options[i]] = i
		h, err := svc.Secrets.ParticipationHash(p.poll, p.users[i].Id)
		if err != nil {
			t.Fatal(err)
		}
		p.arrivalOfVoter[h] = i
	}
	return p
}

// arrivals maps stored keys to arrival indices; every key must be known.
func atkArrivals(t testing.TB, what string, keys []string, arrivalOf map[string]int) []int {
	t.Helper()
	if len(keys) != atkOrderVoters {
		t.Fatalf("%s: %d rows, want %d", what, len(keys), atkOrderVoters)
	}
	out := make([]int, len(keys))
	for i, k := range keys {
		a, ok := arrivalOf[k]
		if !ok {
			t.Fatalf("%s: unknown row %q", what, k)
		}
		out[i] = a
	}
	return out
}

func atkCheckTau(t testing.TB, what string, arrival []int) {
	t.Helper()
	tau := atkKendallTau(arrival)
	t.Logf("%s: tau %.2f", what, tau)
	if math.Abs(tau) > 0.5 {
		t.Errorf("%s keeps the arrival order (Kendall tau %.2f): %v", what, tau, arrival)
	}
}

// checkLogicalOrder reads the rows the way SQLite walks its b-trees: the
// votes by rowid, each index, the participation table (WITHOUT ROWID) with
// a plain SELECT.
func (p *atkOrderPoll) checkLogicalOrder(t *testing.T, stage string) {
	t.Helper()
	db := p.app.DB()
	var options []string
	if err := db.NewQuery("SELECT [[option]] FROM {{votes}} WHERE [[poll]] = {:p} ORDER BY [[rowid]]").
		Bind(dbx.Params{"p": p.poll}).Column(&options); err != nil {
		t.Fatal(err)
	}
	atkCheckTau(t, stage+": votes by rowid", atkArrivals(t, "votes", options, p.arrivalOfOption))
	options = nil
	if err := db.NewQuery("SELECT [[option]] FROM {{votes}} INDEXED BY idx_votes_poll_voter WHERE [[poll]] = {:p}").
		Bind(dbx.Params{"p": p.poll}).Column(&options); err != nil {
		t.Fatal(err)
	}
	atkCheckTau(t, stage+": votes by idx_votes_poll_voter", atkArrivals(t, "votes", options, p.arrivalOfOption))
	var voters []string
	if err := db.NewQuery("SELECT [[voter]] FROM {{_circly_participation}} WHERE [[poll]] = {:p}").
		Bind(dbx.Params{"p": p.poll}).Column(&voters); err != nil {
		t.Fatal(err)
	}
	atkCheckTau(t, stage+": participation b-tree", atkArrivals(t, "participation", voters, p.arrivalOfVoter))
}

// TestAttackArrivalOrderInStorage: 40 votes arrive in a known order; the
// attacker reads the rows in the order SQLite stores them and compares it
// with the arrival order, while the poll is open and after it closed.
func TestAttackArrivalOrderInStorage(t *testing.T) {
	t.Parallel()
	p := newAtkOrderPoll(t)
	p.checkLogicalOrder(t, "open")
	if closed, err := circlytest.Circly(t, p.app).Polls.ClosePoll(p.app, p.poll); err != nil || !closed {
		t.Fatalf("close: %v %v", closed, err)
	}
	p.checkLogicalOrder(t, "closed")
}

// atkCell is where a stored row's bytes sit in the database file.
type atkCell struct {
	page, offset, arrival int
}

// checkPageLayout reads data.db byte by byte after a checkpoint and finds
// each row's cell: the votes table row (option, poll and voter_hash are
// adjacent in its record), its idx_votes_poll_voter entry (poll, hash) and
// its participation entry (poll, voter). Inside a page SQLite carves new
// cells from the top of the free gap downwards, so the cells of rows
// written one by one sit in the order they were written; the attacker reads
// that order as (page, descending offset) and also compares cells that
// share a page.
func (p *atkOrderPoll) checkPageLayout(t *testing.T, stage string) {
	t.Helper()
	if _, err := p.app.NonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Execute(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(p.app.DataDir(), "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(raw[16])<<8 | int(raw[17])
	if pageSize == 1 {
		pageSize = 65536
	}
	var rows []struct {
		Option    string `db:"option"`
		VoterHash string `db:"voter_hash"`
	}
	if err := p.app.DB().Select("option", "voter_hash").From("votes").Where(dbx.HashExp{"poll": p.poll}).All(&rows); err != nil {
		t.Fatal(err)
	}
	// kind: 0x0d table leaf page, 0x0a index leaf page (also WITHOUT ROWID tables)
	locate := func(what string, kind byte, signature string, arrival int) atkCell {
		t.Helper()
		// the cell on a leaf page of its kind (interior index pages repeat
		// some keys; a table row holds its index entry's bytes too)
		sig := []byte(signature)
		var found []atkCell
		for start := 0; ; {
			i := bytes.Index(raw[start:], sig)
			if i < 0 {
				break
			}
			off := start + i
			start = off + 1
			page := off / pageSize
			header := page * pageSize
			if page == 0 {
				header = 100
			}
			if raw[header] == kind {
				found = append(found, atkCell{page: page, offset: off % pageSize, arrival: arrival})
			}
		}
		if len(found) != 1 {
			t.Fatalf("%s: %s of vote %d found on %d leaf pages of data.db", stage, what, arrival, len(found))
		}
		return found[0]
	}
	var table, index, participation []atkCell
	for _, r := range rows {
		a := p.arrivalOfOption[r.Option]
		table = append(table, locate("table row", 0x0d, r.Option+p.poll+r.VoterHash, a))
		index = append(index, locate("index entry", 0x0a, p.poll+r.VoterHash, a))
	}
	for h, a := range p.arrivalOfVoter {
		participation = append(participation, locate("participation entry", 0x0a, p.poll+h, a))
	}
	for _, s := range []struct {
		what  string
		cells []atkCell
	}{{"votes table cells", table}, {"idx_votes_poll_voter cells", index}, {"participation cells", participation}} {
		cells := s.cells
		sort.Slice(cells, func(i, j int) bool {
			if cells[i].page != cells[j].page {
				return cells[i].page < cells[j].page
			}
			return cells[i].offset > cells[j].offset
		})
		arrival := make([]int, len(cells))
		for i, c := range cells {
			arrival[i] = c.arrival
		}
		atkCheckTau(t, stage+": "+s.what+" by (page, offset)", arrival)

		// pairs of cells on one page: later arrival, lower offset?
		agree, pairs := 0, 0
		for i := range cells {
			for j := i + 1; j < len(cells); j++ {
				if cells[i].page != cells[j].page {
					continue
				}
				pairs++
				if (cells[i].arrival < cells[j].arrival) == (cells[i].offset > cells[j].offset) {
					agree++
				} else {
					agree--
				}
			}
		}
		if pairs >= 100 {
			tau := float64(agree) / float64(pairs)
			t.Logf("%s: %s within pages: tau %.2f over %d pairs", stage, s.what, tau, pairs)
			if math.Abs(tau) > 0.5 {
				t.Errorf("%s: %s inside their pages keep the arrival order (tau %.2f over %d pairs)", stage, s.what, tau, pairs)
			}
		}
	}
}

// TestAttackArrivalOrderInPageLayout is TestAttackArrivalOrderInStorage one
// level down: the attacker reads where each row's cell sits in data.db.
func TestAttackArrivalOrderInPageLayout(t *testing.T) {
	t.Parallel()
	p := newAtkOrderPoll(t)
	// the minute job (PocketBase's cron) that re-lays out open polls
	if err := circlytest.Circly(t, p.app).Polls.ScrubArrivalOrder(p.app); err != nil {
		t.Fatal(err)
	}
	p.checkPageLayout(t, "open")
	if closed, err := circlytest.Circly(t, p.app).Polls.ClosePoll(p.app, p.poll); err != nil || !closed {
		t.Fatalf("close: %v %v", closed, err)
	}
	p.checkPageLayout(t, "closed")
}
