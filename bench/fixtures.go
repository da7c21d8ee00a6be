package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"sync"
	"time"
)

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// user is a signed-in app user with its device credentials.
type user struct {
	id, token        string
	deviceId, secret string
	memberOf         map[string]string // circle id → member id
	memberOfMu       sync.Mutex
}

func (u *user) setMember(circle, member string) {
	u.memberOfMu.Lock()
	defer u.memberOfMu.Unlock()
	u.memberOf[circle] = member
}

func (u *user) member(circle string) string {
	u.memberOfMu.Lock()
	defer u.memberOfMu.Unlock()
	return u.memberOf[circle]
}

type authResponse struct {
	Token  string `json:"token"`
	Record struct {
		Id string `json:"id"`
	} `json:"record"`
}

// deviceLogin registers (or logs in) a device.
func (s *server) deviceLogin(deviceId, secret string) (*user, error) {
	var res authResponse
	if err := s.call("POST", "/api/circly/auth/device", "", map[string]any{
		"device_id": deviceId, "device_secret": secret,
	}, &res); err != nil {
		return nil, err
	}
	return &user{id: res.Record.Id, token: res.Token, deviceId: deviceId, secret: secret, memberOf: map[string]string{}}, nil
}

// parallel runs f(i) for i in [0,n) with `workers` goroutines and returns
// the first error.
func parallel(n, workers int, f func(i int) error) error {
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan int)
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// newUsers signs up n devices.
func (s *server) newUsers(n int) ([]*user, error) {
	users := make([]*user, n)
	err := parallel(n, 8, func(i int) error {
		u, err := s.deviceLogin("bench-"+randomHex(8), randomHex(24))
		users[i] = u
		return err
	})
	return users, err
}

// circle is a circle made through the API; members[0] created it.
type circle struct {
	id, code string
	members  []*user
}

// newCircle makes a circle created by members[0] that the others join by
// its invite code.
func (s *server) newCircle(members []*user) (*circle, error) {
	var res struct {
		Id         string `json:"id"`
		InviteCode string `json:"invite_code"`
	}
	creator := members[0]
	if err := s.call("POST", "/api/collections/circles/records", creator.token,
		map[string]any{"name": "bench " + randomHex(3), "nickname": "m0"}, &res); err != nil {
		return nil, err
	}
	c := &circle{id: res.Id, code: res.InviteCode, members: members}
	// the creator's membership (never an option of its own polls)
	var mine struct {
		Items []struct {
			Id string `json:"id"`
		} `json:"items"`
	}
	filter := url.QueryEscape(fmt.Sprintf(`circle="%s" && user="%s"`, c.id, creator.id))
	if err := s.call("GET", "/api/collections/members/records?perPage=1&filter="+filter, creator.token, nil, &mine); err != nil {
		return nil, err
	}
	if len(mine.Items) == 1 {
		creator.setMember(c.id, mine.Items[0].Id)
	}
	err := parallel(len(members)-1, 4, func(i int) error {
		u := members[i+1]
		var j struct {
			Member struct {
				Id string `json:"id"`
			} `json:"member"`
		}
		if err := s.call("POST", "/api/circly/circles/join", u.token,
			map[string]any{"invite_code": c.code, "nickname": fmt.Sprintf("m%d", i+1)}, &j); err != nil {
			return err
		}
		u.setMember(c.id, j.Member.Id)
		return nil
	})
	return c, err
}

// newCircles makes circles of the given sizes from random members of pool.
func (s *server) newCircles(pool []*user, sizes []int) ([]*circle, error) {
	out := make([]*circle, len(sizes))
	err := parallel(len(sizes), 2, func(i int) error {
		perm := mrand.Perm(len(pool))
		members := make([]*user, sizes[i])
		for k := range members {
			members[k] = pool[perm[k]]
		}
		c, err := s.newCircle(members)
		out[i] = c
		return err
	})
	return out, err
}

var templateCache sync.Map // server url → template id

func (s *server) templateId(token string) (string, error) {
	if id, ok := templateCache.Load(s.URL); ok {
		return id.(string), nil
	}
	var tpl struct {
		Items []struct {
			Id string `json:"id"`
		} `json:"items"`
	}
	if err := s.call("GET", "/api/collections/templates/records?perPage=1", token, nil, &tpl); err != nil {
		return "", err
	}
	if len(tpl.Items) == 0 {
		return "", fmt.Errorf("no question templates")
	}
	templateCache.Store(s.URL, tpl.Items[0].Id)
	return tpl.Items[0].Id, nil
}

// option is one option of a poll and the member it names.
type option struct {
	Id     string `json:"id"`
	Member string `json:"member"`
}

// poll is an open poll made through the API.
type poll struct {
	id      string
	circle  *circle
	options []option
}

// newPoll starts a poll in c (by its creator), open for `open`.
func (s *server) newPoll(c *circle, open time.Duration) (*poll, error) {
	creator := c.members[0]
	tpl, err := s.templateId(creator.token)
	if err != nil {
		return nil, err
	}
	var res struct {
		Id string `json:"id"`
	}
	if err := s.call("POST", "/api/collections/polls/records", creator.token, map[string]any{
		"circle": c.id, "template": tpl,
		"deadline": time.Now().Add(open).UTC().Format("2006-01-02 15:04:05.000Z"),
	}, &res); err != nil {
		return nil, err
	}
	p := &poll{id: res.Id, circle: c}
	var opts struct {
		Items []option `json:"items"`
	}
	filter := url.QueryEscape(fmt.Sprintf(`poll="%s"`, p.id))
	if err := s.call("GET", "/api/collections/options/records?perPage=200&sort=order&filter="+filter, creator.token, nil, &opts); err != nil {
		return nil, err
	}
	p.options = opts.Items
	return p, nil
}

// job is one request of a load run.
type job struct {
	token string
	body  []byte
}

// voteJobs returns one vote per member of p, each for an option that is not
// the voter's own.
func voteJobs(p *poll) []job {
	jobs := make([]job, 0, len(p.circle.members))
	for i, u := range p.circle.members {
		mine := u.member(p.circle.id)
		for k := range p.options {
			o := p.options[(i+k)%len(p.options)]
			if o.Member != mine {
				jobs = append(jobs, job{u.token, fmt.Appendf(nil, `{"poll":%q,"option":%q}`, p.id, o.Id)})
				break
			}
		}
	}
	return jobs
}

// votesFromNewPolls starts polls round-robin over circles until there are
// at least n vote jobs, and returns them shuffled (so concurrent voters
// spread over many polls) with their polls.
func (s *server) votesFromNewPolls(circles []*circle, n int) ([]job, []*poll, error) {
	var (
		mu    sync.Mutex
		jobs  []job
		polls []*poll
	)
	// enough polls for n votes: circles are used in turn
	var plan []*circle
	for total, i := 0, 0; total < n; i++ {
		c := circles[i%len(circles)]
		plan = append(plan, c)
		total += len(c.members)
	}
	err := parallel(len(plan), 4, func(i int) error {
		p, err := s.newPoll(plan[i], 2*time.Hour)
		if err != nil {
			return err
		}
		mu.Lock()
		jobs = append(jobs, voteJobs(p)...)
		polls = append(polls, p)
		mu.Unlock()
		return nil
	})
	mrand.Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
	return jobs, polls, err
}

// rawJobs turns vote jobs into raw PocketBase creates of a comparable
// record (poll, option, a unique voter_hash) by the same users.
func rawJobs(votes []job, prefix string) []job {
	out := make([]job, len(votes))
	for i, v := range votes {
		body := append([]byte(nil), v.body[:len(v.body)-1]...)
		body = fmt.Appendf(body, `,"voter_hash":"%s%08d"}`, prefix, i)
		out[i] = job{v.token, body}
	}
	return out
}

// createRawCollection makes bench_raw: a base collection with text fields
// poll, option, voter_hash, a create rule for any signed-in record and a
// unique index on (poll, voter_hash).
func (s *server) createRawCollection() error {
	return s.call("POST", "/api/collections", s.Token, map[string]any{
		"name": "bench_raw",
		"type": "base",
		"fields": []map[string]any{
			{"name": "poll", "type": "text"},
			{"name": "option", "type": "text"},
			{"name": "voter_hash", "type": "text"},
		},
		"createRule": `@request.auth.id != ""`,
		"indexes":    []string{"CREATE UNIQUE INDEX idx_bench_raw_poll_voter ON bench_raw (poll, voter_hash)"},
	}, nil)
}

// createAuthCollection makes an auth collection with password login on and
// the given bcrypt cost (0: PocketBase's default, bcrypt.DefaultCost = 10).
func (s *server) createAuthCollection(name string, cost int) error {
	password := map[string]any{"name": "password", "type": "password", "required": true, "min": 8, "hidden": true, "system": true}
	if cost > 0 {
		password["cost"] = cost
	}
	return s.call("POST", "/api/collections", s.Token, map[string]any{
		"name":         name,
		"type":         "auth",
		"fields":       []map[string]any{password},
		"passwordAuth": map[string]any{"enabled": true, "identityFields": []string{"email"}},
	}, nil)
}

// createAuthUser adds a password user to an auth collection.
func (s *server) createAuthUser(collection, email, password string) error {
	return s.call("POST", "/api/collections/"+collection+"/records", s.Token, map[string]any{
		"email": email, "password": password, "passwordConfirm": password,
	}, nil)
}
