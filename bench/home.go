package main

import (
	"fmt"
	"time"
)

// ---------------------------------------------------------------------------
// 8. The app's home: the feed and the inbox of a user in 10 circles

// homeSide is one kind of request of scenario 8, medians over rounds.
type homeSide struct {
	name     string
	p50, p99 []time.Duration
}

// homeLevel is scenario 8 at one database size.
type homeLevel struct {
	background      int // closed polls of other circles seeded for this level
	polls           int // polls in the database
	feed, picks     homeSide
	list            homeSide
	feedN, picksN   int // the user's feed and inbox sizes
	listN           int // what the polls list shows the user (totalItems)
	perRound, round int
}

// homeWorld is the user of scenario 8 and what was made for it.
type homeWorld struct {
	user    *user
	circles []*circle // the user's 10 circles (the user joined each)
	others  []*circle // circles without the user, for background polls
	tpl     string
}

// Scale of scenario 8.
const (
	homeCircles     = 10  // the user's circles, 10 members each
	homeOpenPolls   = 50  // through the API, 5 per circle
	homeClosedPolls = 150 // seeded, 15 per circle: 200 polls in all
	homeVotes       = 20  // open polls the user votes in
	homeOtherCircle = 20  // circles of 10 without the user, for background
)

// homeBackground are the levels of scenario 8: closed polls of other
// circles in the database besides the user's 200.
var homeBackground = []int{0, 10000}

// runHome is scenario 8: perRound requests of each kind per round, 3 rounds
// per level.
func runHome(s *server, perRound int) ([]homeLevel, error) {
	logf("scenario 8: home feed and inbox, a user in %d circles with %d polls", homeCircles, homeOpenPolls+homeClosedPolls)
	w, err := prepareHome(s)
	if err != nil {
		return nil, err
	}
	return benchHome(s, w, homeBackground, 3, perRound)
}

// prepareHome makes the user, its 10 circles of 10 with 50 open polls
// (the user voted in 20) through the API, and 20 more circles without it.
// The 150 closed polls are seeded later (the server must be stopped).
func prepareHome(s *server) (*homeWorld, error) {
	pool, err := s.newUsers(60)
	if err != nil {
		return nil, err
	}
	w := &homeWorld{user: pool[0]}
	for i := range homeCircles {
		// creator first, the user second: an option in every poll
		members := append([]*user{pool[1+i*5%55], w.user}, pickOthers(pool[1:], i, 8, pool[1+i*5%55])...)
		c, err := s.newCircle(members)
		if err != nil {
			return nil, err
		}
		w.circles = append(w.circles, c)
	}
	var sizes []int
	for range homeOtherCircle {
		sizes = append(sizes, 10)
	}
	if w.others, err = s.newCircles(pool[1:], sizes); err != nil {
		return nil, err
	}
	if w.tpl, err = s.templateId(w.user.token); err != nil {
		return nil, err
	}
	for i := range homeOpenPolls {
		c := w.circles[i%homeCircles]
		p, err := s.newPoll(c, time.Duration(1+i)*time.Hour)
		if err != nil {
			return nil, err
		}
		if i < homeVotes {
			if err := s.voteAs(w.user, p); err != nil {
				return nil, err
			}
		}
	}
	return w, nil
}

// pickOthers returns n distinct users of pool for circle i, none of them
// skip.
func pickOthers(pool []*user, i, n int, skip *user) []*user {
	var out []*user
	for k := 0; len(out) < n; k++ {
		u := pool[(i*7+k*3)%len(pool)]
		if u != skip && !contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

func contains(us []*user, u *user) bool {
	for _, x := range us {
		if x == u {
			return true
		}
	}
	return false
}

// voteAs makes u vote in p for an option that is not its own.
func (s *server) voteAs(u *user, p *poll) error {
	mine := u.member(p.circle.id)
	for _, o := range p.options {
		if o.Member != mine {
			return s.call("POST", "/api/collections/votes/records", u.token, map[string]any{"poll": p.id, "option": o.Id}, nil)
		}
	}
	return fmt.Errorf("poll %s: no option to vote for", p.id)
}

// seedCircles describes circles for seedClosedPolls.
func seedCircles(cs []*circle) []seedCircle {
	var out []seedCircle
	for _, c := range cs {
		sc := seedCircle{id: c.id, creatorUser: c.members[0].id}
		for k, u := range c.members {
			sc.members = append(sc.members, u.member(c.id))
			sc.users = append(sc.users, u.id)
			sc.nicknames = append(sc.nicknames, fmt.Sprintf("m%d", k))
		}
		out = append(out, sc)
	}
	return out
}

// benchHome measures, at each background level (closed polls of other
// circles added to the database), the user's feed, its inbox and a plain
// polls list by the same user (pb.collection('polls').getList(1, 20)), one
// request at a time, the three interleaved in each round.
func benchHome(s *server, w *homeWorld, levels []int, rounds, perRound int) ([]homeLevel, error) {
	var out []homeLevel
	seeded := 0
	for li, level := range levels {
		s.Stop(stopTimeout)
		if li == 0 {
			if _, err := seedClosedPolls(s.DataDir, seedCircles(w.circles), w.tpl, "홈 측정용 질문", homeClosedPolls); err != nil {
				return nil, err
			}
		}
		if level > seeded {
			if _, err := seedClosedPolls(s.DataDir, seedCircles(w.others), w.tpl, "배경 질문", level-seeded); err != nil {
				return nil, err
			}
			seeded = level
		}
		if err := s.Restart(stopTimeout); err != nil {
			return nil, err
		}
		l, err := measureHome(s, w, rounds, perRound)
		if err != nil {
			return nil, err
		}
		l.background = level
		if l.polls, err = s.countPolls(); err != nil {
			return nil, err
		}
		logf("  background %d: feed p50 %s | picks p50 %s | polls list p50 %s", level,
			ms(medOf(l.feed.p50)), ms(medOf(l.picks.p50)), ms(medOf(l.list.p50)))
		out = append(out, l)
	}
	return out, nil
}

// measureHome runs the rounds of one level.
func measureHome(s *server, w *homeWorld, rounds, perRound int) (homeLevel, error) {
	l := homeLevel{perRound: perRound, round: rounds,
		feed: homeSide{name: "feed"}, picks: homeSide{name: "picks"}, list: homeSide{name: "polls list"}}
	kinds := []struct {
		side *homeSide
		path string
		n    *int
	}{
		{&l.feed, "/api/circly/feed?page=1&perPage=20", &l.feedN},
		{&l.picks, "/api/circly/me/picks?page=1&perPage=20", &l.picksN},
		{&l.list, "/api/collections/polls/records?page=1&perPage=20", &l.listN},
	}
	client := newClient(2)
	jobs := make([]job, perRound)
	for i := range jobs {
		jobs[i] = job{w.user.token, nil}
	}
	for _, k := range kinds {
		var body struct {
			TotalItems int `json:"totalItems"`
		}
		if err := s.call("GET", k.path, w.user.token, nil, &body); err != nil {
			return l, err
		}
		*k.n = body.TotalItems
		if r := runLoad(client, "GET", s.URL+k.path, jobs[:min(20, perRound)], 1); r.failures > 0 { // warm-up
			return l, fmt.Errorf("%s: %s", k.path, r.firstErr)
		}
	}
	for r := range rounds {
		for i := range kinds {
			k := kinds[(i+r)%len(kinds)] // who goes first rotates
			res := runLoad(client, "GET", s.URL+k.path, jobs, 1)
			if res.failures > 0 {
				return l, fmt.Errorf("%s: %s", k.path, res.firstErr)
			}
			st := durStats(res.lat)
			k.side.p50 = append(k.side.p50, st.p50)
			k.side.p99 = append(k.side.p99, st.p99)
		}
	}
	return l, nil
}

// countPolls counts the polls in the running server's database (as the
// superuser sees them).
func (s *server) countPolls() (int, error) {
	var body struct {
		TotalItems int `json:"totalItems"`
	}
	err := s.call("GET", "/api/collections/polls/records?perPage=1", s.Token, nil, &body)
	return body.TotalItems, err
}
