package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ---------------------------------------------------------------------------
// 4. Realtime fan-out

type fanoutResult struct {
	subscribers, votes  int
	delivered, expected int
	fromResp, fromSend  stats
	voteLatency         stats
	voteLatencyAlone    stats // the same votes on a poll nobody subscribes to
	connected           time.Duration
}

// sseEvent is one received realtime message of a subscriber.
type sseEvent struct {
	total int
	at    time.Time
}

// benchFanout subscribes n members of one large synthetic circle to its
// poll over PocketBase's realtime protocol, casts votes one at a time and
// measures when each subscriber sees each new total.
func benchFanout(s *server, n, votes int, gap time.Duration) (fanoutResult, error) {
	res := fanoutResult{subscribers: n, votes: votes}
	users, err := s.newUsers(n)
	if err != nil {
		return res, err
	}
	// a real circle of 3 (creator + 2 joins) …
	c, err := s.newCircle(users[:3])
	if err != nil {
		return res, err
	}
	// … then the other members, added by the superuser (beyond the
	// 50-member limit of the app: a synthetic setup) before the poll starts,
	// so that they are in its electorate and may vote
	err = parallel(n-3, 4, func(i int) error {
		u := users[i+3]
		var m struct {
			Id string `json:"id"`
		}
		if err := s.call("POST", "/api/collections/members/records", s.Token, map[string]any{
			"circle": c.id, "user": u.id, "nickname": fmt.Sprintf("s%d", i+3), "is_active": true,
			"joined": pbTime(time.Now()),
		}, &m); err != nil {
			return err
		}
		u.setMember(c.id, m.Id)
		return nil
	})
	if err != nil {
		return res, err
	}
	c.members = users
	p, err := s.newPoll(c, 2*time.Hour)
	if err != nil {
		return res, err
	}
	alone, err := s.newPoll(c, 2*time.Hour)
	if err != nil {
		return res, err
	}
	voteClient := newClient(2)

	// the baseline of the same run: the same number of votes, one at a
	// time, on a poll of the same circle that nobody subscribes to
	var aloneLat []time.Duration
	for k, j := range voteJobs(alone)[3 : 3+votes] {
		t1 := time.Now()
		r := runLoad(voteClient, "POST", s.URL+"/api/collections/votes/records", []job{j}, 1)
		if r.failures > 0 {
			return res, fmt.Errorf("baseline vote %d: %s", k, r.firstErr)
		}
		aloneLat = append(aloneLat, time.Since(t1))
		time.Sleep(gap)
	}
	res.voteLatencyAlone = durStats(aloneLat)

	// subscribe everyone
	sseClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n + 10, DisableCompression: true}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make([][]sseEvent, n)
	var evMu sync.Mutex
	var ready sync.WaitGroup
	var subErr atomic.Value
	t0 := time.Now()
	ready.Add(n)
	for i := range n {
		go func() {
			once := sync.OnceFunc(ready.Done)
			defer once()
			if err := subscribe(ctx, sseClient, s.URL, users[i].token, "polls/"+p.id, once, func(ev sseEvent) {
				evMu.Lock()
				events[i] = append(events[i], ev)
				evMu.Unlock()
			}); err != nil && ctx.Err() == nil {
				subErr.CompareAndSwap(nil, err.Error())
			}
		}()
		if i%50 == 49 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	ready.Wait()
	res.connected = time.Since(t0)
	if e := subErr.Load(); e != nil {
		return res, fmt.Errorf("subscribe: %s", e)
	}
	time.Sleep(500 * time.Millisecond)

	// vote one at a time; voter k votes for an option that is not its own
	type sent struct{ send, resp time.Time }
	var times []sent
	var voteLat []time.Duration
	voters := voteJobs(p)
	// the creator and the two joined members hold the options: use others
	for k := range votes {
		j := voters[3+k]
		t1 := time.Now()
		r := runLoad(voteClient, "POST", s.URL+"/api/collections/votes/records", []job{j}, 1)
		t2 := time.Now()
		if r.failures > 0 {
			return res, fmt.Errorf("fan-out vote: %s", r.firstErr)
		}
		times = append(times, sent{t1, t2})
		voteLat = append(voteLat, t2.Sub(t1))
		time.Sleep(gap)
	}
	time.Sleep(time.Second)
	cancel()

	evMu.Lock()
	defer evMu.Unlock()
	var fromResp, fromSend []time.Duration
	perVote := make([][]time.Duration, votes)
	for _, evs := range events {
		for _, ev := range evs {
			k := ev.total - 1
			if k < 0 || k >= votes {
				continue
			}
			fromResp = append(fromResp, ev.at.Sub(times[k].resp))
			fromSend = append(fromSend, ev.at.Sub(times[k].send))
			perVote[k] = append(perVote[k], ev.at.Sub(times[k].resp))
			res.delivered++
		}
	}
	res.expected = n * votes
	res.fromResp = durStats(fromResp)
	res.fromSend = durStats(fromSend)
	res.voteLatency = durStats(voteLat)
	return res, nil
}

// subscribe opens an SSE connection, subscribes the client to topic with
// the user's token once PB_CONNECT names it, calls subscribed, then reports
// every message of the topic until ctx ends.
func subscribe(ctx context.Context, client *http.Client, base, token, topic string, subscribed func(), onEvent func(sseEvent)) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/realtime", nil)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("realtime connect: %d", res.StatusCode)
	}
	rd := bufio.NewReader(res.Body)
	var event string
	var data []byte
	for {
		line, err := rd.ReadBytes('\n')
		if err != nil {
			if err == io.EOF || ctx.Err() != nil {
				return nil
			}
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.HasPrefix(line, []byte("event:")):
			event = string(line[len("event:"):])
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data[:0], line[len("data:"):]...)
		case len(line) == 0:
			at := time.Now()
			switch event {
			case "PB_CONNECT":
				var c struct {
					ClientId string `json:"clientId"`
				}
				if err := json.Unmarshal(data, &c); err != nil {
					return err
				}
				body, _ := json.Marshal(map[string]any{"clientId": c.ClientId, "subscriptions": []string{topic}})
				sreq, _ := http.NewRequestWithContext(ctx, "POST", base+"/api/realtime", bytes.NewReader(body))
				sreq.Header.Set("Content-Type", "application/json")
				sreq.Header.Set("Authorization", token)
				sres, err := setupClient.Do(sreq)
				if err != nil {
					return err
				}
				io.Copy(io.Discard, sres.Body)
				sres.Body.Close()
				if sres.StatusCode != 204 {
					return fmt.Errorf("realtime subscribe: %d", sres.StatusCode)
				}
				subscribed()
			case topic:
				var m struct {
					Record struct {
						TotalVotes int `json:"total_votes"`
					} `json:"record"`
				}
				if json.Unmarshal(data, &m) == nil {
					onEvent(sseEvent{m.Record.TotalVotes, at})
				}
			}
			event, data = "", data[:0]
		}
	}
}
