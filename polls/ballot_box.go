package polls

import (
	"errors"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
	"circly/store"
)

// ballot is one vote waiting to be checked and written (newBallot);
// member is filled in by its check (checkBallot).
type ballot struct {
	pollId, optionId, userId, member, participation string

	done chan ballotResult
}

type ballotResult struct {
	// the poll's total and the published option counts after this
	// ballot, announced to realtime subscribers after the commit
	total     int
	published []collections.OptionCount
	err       error
}

// maxBallotsPerCommit bounds one group commit.
const maxBallotsPerCommit = 64

// maxJoinWait bounds how long a commit waits for votes still on their
// way to the box.
const maxJoinWait = time.Millisecond

// walCopyInterval spaces the copies of committed ballots from the WAL into
// the database file (store.WALCopier).
//
// Why: each copy syncs both files and writes every page changed since the
// last one once, however many commits changed it; a vote's commit changes
// the same few pages of its poll (the total, the tallies, the index pages
// above its rows). At 20 ms those pages were copied up to 50 times a
// second. At 200 ms, with the writer's own threshold raised to match
// (store.WALCheckpointFrames), CPU per vote fell by 2–14 % and the vote
// rate against a bare PocketBase rose by 9–40 % in A/B runs
// (BENCHMARKS.md, "Fewer, larger WAL copies"). But a copy is work on the
// server's CPU that the votes queued behind it wait out: at 200 ms under a
// stream of votes a copy took 24–40 ms (about 3,300 frames), and the
// slowest votes of a round were the ones that arrived just before it. At
// 50 ms a copy takes 7–10 ms; the vote p99 against a bare create's p50
// went from 1.60–1.87× (median 1.64×) to 1.38–1.68× (median 1.53×) in six
// alternated runs, for about 14 % more CPU per vote (BENCHMARKS.md,
// "Quiet starts; smaller copies").
const walCopyInterval = 50 * time.Millisecond

// ballotBox writes votes with group commit.
//
// Why: SQLite has one writer. Every vote touches four rows (vote,
// participation, option tally, poll total); written in one transaction per
// request, 64 concurrent voters queue on the writer and each transaction's
// begin/commit and the convoy of preempted holders dominate. A single writer
// goroutine instead takes whatever ballots are waiting (up to 64), checks
// and writes them in one transaction. A ballot is refused (its check, a
// closed poll, a second vote) before its first write, so a refusal leaves
// the others alone; any other error rolls the batch back and each ballot
// is retried alone (see write). Each request still waits for its own
// ballot's commit before answering: nothing is acknowledged before it is
// durable.
type ballotBox struct {
	svc   *Service
	app   core.App
	queue chan *ballot
	// copies committed ballots into the database file beside the writer
	copier *store.WALCopier

	stopOnce sync.Once
	stop     chan struct{}
	stopped  chan struct{}
}

// votes returns the app's ballot box, starting it on first use (after the
// app terminated, a box that refuses every ballot).
func (s *Service) votes(app core.App) *ballotBox {
	s.ballotMu.Lock()
	defer s.ballotMu.Unlock()
	if s.ballots == nil {
		s.ballots = &ballotBox{
			svc:     s,
			app:     app,
			queue:   make(chan *ballot, 4*maxBallotsPerCommit),
			stop:    make(chan struct{}),
			stopped: make(chan struct{}),
		}
		if s.terminated {
			close(s.ballots.stop)
			close(s.ballots.stopped)
		} else {
			// the writer's statements, compiled once (without them each
			// is compiled per call: slower, not wrong)
			if err := collections.PrepareWrites(app); err != nil {
				app.Logger().Warn("ballot statements not prepared", "error", err.Error())
			}
			s.ballots.copier = store.NewWALCopier(app, walCopyInterval)
			go s.ballots.run()
		}
	}
	return s.ballots
}

// copyOtherCommits tells the ballot box's WAL copier (once the box exists)
// of a commit outside it: a record saved or deleted.
//
// Why: the copier was told only of ballot commits, so the frames of
// everything else (polls started, joins, the dispatcher's rows) waited
// for the next vote, whose commit woke a copy of all of them: in an
// execution trace of the first votes after a hundred polls were started,
// that copy held the server's only CPU for 15.5 ms while 63 answered
// votes waited to send their answers (BENCHMARKS.md, "Where a round's
// slowest votes wait"). The copier still copies at most once per
// walCopyInterval.
func (s *Service) copyOtherCommits() {
	s.ballotMu.Lock()
	b := s.ballots
	s.ballotMu.Unlock()
	if b != nil && b.copier != nil {
		b.copier.Committed()
	}
}

// closeBallots writes the ballots still queued and stops the writer.
func (s *Service) closeBallots() {
	s.ballotMu.Lock()
	s.terminated = true
	b := s.ballots
	s.ballotMu.Unlock()
	if b != nil {
		b.close()
	}
}

// cast queues a ballot and waits for its outcome. The vote stops counting
// as arriving (Service.arriving, counted by CastVote) once it is in the
// queue, or refused because the box stopped.
func (b *ballotBox) cast(v *ballot) ballotResult {
	select {
	case b.queue <- v:
		b.svc.arriving.Add(-1)
	case <-b.stopped:
		b.svc.arriving.Add(-1)
		return ballotResult{err: ErrShuttingDown}
	}
	select {
	case res := <-v.done:
		return res
	case <-b.stopped:
		// run() answers every ballot it took before it stops
		select {
		case res := <-v.done:
			return res
		default:
			return ballotResult{err: ErrShuttingDown}
		}
	}
}

// close stops the writer after the ballots already queued are written.
func (b *ballotBox) close() {
	b.stopOnce.Do(func() {
		select {
		case <-b.stop:
		default:
			close(b.stop)
		}
	})
	<-b.stopped
}

func (b *ballotBox) run() {
	defer close(b.stopped)
	defer b.copier.Close()
	batch := make([]*ballot, 0, maxBallotsPerCommit)
	for {
		var first *ballot
		select {
		case first = <-b.queue:
		case <-b.stop:
			// write what is still queued, then stop
			for {
				select {
				case v := <-b.queue:
					b.write([]*ballot{v})
				default:
					return
				}
			}
		}
		// Let the requests that are ready to run queue their ballots
		// before this batch is taken. Without the yield, one CPU
		// (GOMAXPROCS=1) runs this writer the moment the first ballot
		// arrives, and every commit holds a single ballot.
		runtime.Gosched()
		batch = b.fill(append(batch[:0], first))
		// Votes on their way right now join this commit rather than wait
		// for the next one: a commit answers its ballots at once, and a
		// vote that just misses one waits for two. It stops when a round
		// of the scheduler brings none (the requests are blocked, or run
		// on other CPUs: then nothing is gained by waiting) and after
		// maxJoinWait, so a request that stalls holds nobody up for long.
		for deadline := time.Now().Add(maxJoinWait); b.svc.arriving.Load() > 0 && len(batch) < maxBallotsPerCommit && time.Now().Before(deadline); {
			n := len(batch)
			runtime.Gosched()
			if batch = b.fill(batch); len(batch) == n {
				break
			}
		}
		b.write(batch)
	}
}

// fill adds the ballots waiting in the queue to batch, up to a commit's
// bound.
func (b *ballotBox) fill(batch []*ballot) []*ballot {
	for len(batch) < maxBallotsPerCommit {
		select {
		case v := <-b.queue:
			batch = append(batch, v)
		default:
			return batch
		}
	}
	return batch
}

// write commits a batch in one transaction. A refused ballot (its check,
// a closed poll, a second vote) is refused before it writes anything, so
// it leaves the rest of the batch alone; any other error rolls the whole
// batch back and each ballot is retried alone, so one bad ballot cannot
// sink the others.
func (b *ballotBox) write(batch []*ballot) {
	results := make([]ballotResult, len(batch))
	var written []string // polls that got a vote in this commit
	// announcements leave in commit order: a close (ClosePoll) cannot
	// commit between this commit and its announcements
	b.svc.orderMu.Lock()
	err := b.app.RunInTransaction(func(txApp core.App) error {
		keys := map[string][]byte{}
		written = written[:0]
		for i, v := range batch {
			results[i] = b.writeOne(txApp, v, keys)
			if err := results[i].err; err != nil && !isRefusal(err) {
				return err
			}
			if results[i].err == nil && !slices.Contains(written, v.pollId) {
				written = append(written, v.pollId)
			}
		}
		return nil
	})
	if err == nil {
		b.svc.noteVotes(written)
		// the changed counters, in the order the ballots were written;
		// the announcer broadcasts them after the requests are answered
		an := b.svc.announcer(b.app)
		for i, v := range batch {
			if results[i].err == nil {
				an.vote(v.pollId, results[i].total, results[i].published)
			}
		}
		b.svc.metrics.BallotCommits.Inc()
		b.copier.Committed()
	}
	b.svc.orderMu.Unlock()
	if err != nil && len(batch) > 1 {
		for _, v := range batch {
			b.write([]*ballot{v})
		}
		return
	}
	for i, v := range batch {
		if err != nil {
			results[i] = ballotResult{err: err}
		}
		v.done <- results[i]
	}
}

// isRefusal reports a ballot refused before its first write (a sentinel
// error of checkBallot or writeOne), which leaves the rest of its batch
// alone.
func isRefusal(err error) bool {
	for _, r := range []error{ErrPollNotFound, ErrNotInElectorate, ErrNoLongerMember, ErrPollClosed, ErrWrongOption, ErrSelfVote, ErrAlreadyVoted} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// writeOne checks and writes one ballot inside the batch transaction. Its
// refusals (isRefusal) happen before its first write; keys caches the
// poll keys derived in this transaction (nil for a poll without its salt).
func (b *ballotBox) writeOne(txApp core.App, v *ballot, keys map[string][]byte) ballotResult {
	if err := b.svc.checkBallot(txApp, v); err != nil {
		return ballotResult{err: err}
	}
	// The salt exists exactly while the poll is open: closing deletes it
	// in the transaction that closes the poll, so the check above, in this
	// transaction, has already refused a closed poll; a poll without its
	// salt is refused the same way.
	key, ok := keys[v.pollId]
	if !ok {
		salt, _, err := collections.PollKeySalt(txApp, v.pollId)
		if err != nil {
			return ballotResult{err: err}
		}
		if salt != nil {
			if key, err = b.svc.Secrets.VoteKey(v.pollId, salt); err != nil {
				return ballotResult{err: err}
			}
		}
		keys[v.pollId] = key
	}
	if key == nil {
		return ballotResult{err: ErrPollClosed}
	}

	// The unique index on (poll, voter_hash) refuses a second vote of the
	// same user. This insert is the ballot's first write, so a refusal
	// leaves nothing behind (SQLite undoes only the failed statement).
	// A random rowid (inside the poll's range of the table): a rowid
	// table stores rows in rowid order, and SQLite's default rowid
	// (max + 1) would keep the order in which votes arrived. The other
	// indexes are keyed by random values too.
	if err := collections.InsertVote(txApp, v.pollId, v.optionId, voterHash(key, v.userId), v.member); err != nil {
		if collections.IsUniqueViolation(err, collections.FieldVoteVoterHash) {
			return ballotResult{err: ErrAlreadyVoted}
		}
		return ballotResult{err: err}
	}
	// from here on any failure is unexpected and rolls the batch back
	if err := collections.InsertParticipation(txApp, v.pollId, v.participation); err != nil {
		return ballotResult{err: err}
	}
	total, published, err := b.svc.countVote(txApp, v.pollId, v.optionId)
	if err != nil {
		return ballotResult{err: err}
	}
	return ballotResult{total: total, published: published}
}
