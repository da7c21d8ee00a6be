package polls

import (
	"context"
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// announce sends a committed record's current state to realtime
// subscribers through the hook PocketBase runs after a save, so the
// collection's list/view rules decide who receives it. When no realtime
// client subscribes to the record or its collection there is nobody to
// tell, and the record is not even loaded. set, when not nil, changes the
// loaded record before it is sent (the counter a commit left).
func (s *Service) announce(app core.App, ctx context.Context, collection, id string, set func(*core.Record)) {
	if !hasSubscribers(app, collection, id) {
		return
	}
	record, err := app.FindRecordById(collection, id)
	if err != nil {
		app.Logger().Warn("Realtime announce: record not found", "collection", collection, "id", id)
		return
	}
	if set != nil {
		set(record)
	}
	// PocketBase's broadcast checks each subscriber through event.App
	event := &core.ModelEvent{App: newReaderGate(app, record), Context: ctx, Type: core.ModelEventTypeUpdate}
	event.Model = record
	if err := app.OnModelAfterUpdateSuccess().Trigger(event); err != nil {
		app.Logger().Warn("Realtime announce failed", "collection", collection, "id", id, "error", err.Error())
	}
}

// hasSubscribers reports whether any realtime client subscribes to the
// record (by collection name or id) or to its whole collection: the topics
// PocketBase's own broadcast of a record update looks for. A false answer
// means that broadcast would send nothing.
func hasSubscribers(app core.App, collection, id string) bool {
	broker := app.SubscriptionsBroker()
	if broker.TotalClients() == 0 {
		return false
	}
	c, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return true // let the broadcast decide
	}
	prefixes := []string{
		c.Name + "/" + id + "?", c.Id + "/" + id + "?",
		c.Name + "/*?", c.Id + "/*?",
		c.Name + "?", c.Id + "?", // PocketBase's older topic form
	}
	for _, client := range broker.Clients() {
		if len(client.Subscriptions(prefixes...)) > 0 {
			return true
		}
	}
	return false
}

// coalesceBacklog is the number of waiting announcements from which a
// poll's new total replaces its total still waiting instead of queueing
// behind it.
const coalesceBacklog = 64

// announcement is one counter a commit changed: a poll's total_votes or an
// option's published vote_count, with the value the commit left.
type announcement struct {
	collection, id string
	count          int
}

// announcer broadcasts the counters votes change, one goroutine per
// service, so that a vote's response does not wait for PocketBase's
// per-subscriber access checks (one SQL query per subscriber and event).
//
// Order: the ballot box queues a commit's announcements right after the
// commit, in the order its ballots were written, and the goroutine sends
// them in queue order, each with the value its commit left (not whatever
// is stored by the time it is sent). So a subscriber sees every record's
// counter in commit order, and every published count step (API.md §6) is
// sent. When announcements pile up (at least coalesceBacklog waiting: more
// subscribers than the checks keep up with), a poll's new total replaces
// the total of that poll still waiting (the later value at the earlier
// place), so the queue stays bounded by the number of polls plus the count
// steps; totals then skip values but still only go up and end at the last
// one. Option counts are never merged. ClosePoll waits for the queue to be
// sent before it commits (flush), so the close's events come after.
type announcer struct {
	svc *Service
	app core.App

	mu      sync.Mutex
	queue   []announcement
	pending map[string]int // poll id → index in queue of its waiting total
	busy    bool           // the goroutine is sending a batch taken from queue
	idle    *sync.Cond     // signalled when queue is empty and nothing is being sent
	closed  bool

	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// announcer returns the app's announcer, starting it on first use (after
// the app terminated, one that drops what it is given).
func (s *Service) announcer(app core.App) *announcer {
	s.announceMu.Lock()
	defer s.announceMu.Unlock()
	if s.announcements == nil {
		a := &announcer{
			svc:     s,
			app:     app,
			pending: map[string]int{},
			wake:    make(chan struct{}, 1),
			stop:    make(chan struct{}),
			stopped: make(chan struct{}),
		}
		a.idle = sync.NewCond(&a.mu)
		s.announcements = a
		s.ballotMu.Lock()
		terminated := s.terminated
		s.ballotMu.Unlock()
		if terminated {
			a.closed = true
			close(a.stopped)
		} else {
			go a.run()
		}
	}
	return s.announcements
}

// closeAnnouncer sends what is queued and stops the goroutine.
func (s *Service) closeAnnouncer() {
	s.announceMu.Lock()
	a := s.announcements
	s.announceMu.Unlock()
	if a != nil {
		a.close()
	}
}

// vote queues the counters one ballot's commit left: the poll's total and
// the options whose published count changed. Nothing is queued while no
// realtime client is connected: nobody could receive it.
func (a *announcer) vote(pollId string, total int, published []collections.OptionCount) {
	if a.app.SubscriptionsBroker().TotalClients() == 0 {
		return
	}
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	if i, ok := a.pending[pollId]; ok && len(a.queue) >= coalesceBacklog {
		a.queue[i].count = total
	} else {
		a.pending[pollId] = len(a.queue)
		a.queue = append(a.queue, announcement{collections.Polls, pollId, total})
	}
	for _, o := range published {
		a.queue = append(a.queue, announcement{collections.Options, o.Id, o.VoteCount})
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// flush waits until everything queued so far has been sent.
func (a *announcer) flush() {
	a.mu.Lock()
	for !a.closed && (len(a.queue) > 0 || a.busy) {
		a.idle.Wait()
	}
	a.mu.Unlock()
}

// close sends what is queued, then stops the goroutine; later
// announcements are dropped.
func (a *announcer) close() {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.stop)
	}
	a.mu.Unlock()
	<-a.stopped
}

func (a *announcer) run() {
	defer close(a.stopped)
	for {
		select {
		case <-a.wake:
		case <-a.stop:
		}
		a.mu.Lock()
		batch := a.queue
		a.queue = nil
		clear(a.pending)
		a.busy = len(batch) > 0
		stopping := a.closed
		a.mu.Unlock()

		for _, an := range batch {
			field := collections.FieldPollTotalVotes
			if an.collection == collections.Options {
				field = collections.FieldOptionVoteCount
			}
			a.svc.announce(a.app, context.Background(), an.collection, an.id, func(r *core.Record) {
				r.Set(field, an.count)
			})
		}

		a.mu.Lock()
		a.busy = false
		if len(a.queue) == 0 {
			a.idle.Broadcast()
		}
		more := len(a.queue) > 0
		a.mu.Unlock()
		if stopping && !more {
			a.mu.Lock()
			a.idle.Broadcast()
			a.mu.Unlock()
			return
		}
	}
}
