package main

import "fmt"

// bareServer is the bare PocketBase (bench/barepb) the votes are compared
// with: the same bench_raw collection as on the circly server, made through
// the same API call, and records of PocketBase's default users auth
// collection, so that a raw create on it is the same request by a
// signed-in user (tokens maps a circly token to a bare user's token). The
// circly users share bareUsers bare users, taken in turn:
// PocketBase's default users collection hashes passwords with bcrypt cost
// 10, and a record per circly user made the setup take minutes on the
// server's one CPU; a create reads its auth record by id either way.
type bareServer struct {
	*server
	tokens map[string]string
}

// bareUsers is the number of users records made on the bare PocketBase.
const bareUsers = 32

// newBareServer starts the bare binary on a fresh data dir pinned like the
// circly server, makes bench_raw and bareUsers users records (tokens from
// the superuser's impersonate endpoint) shared by the members of circles.
func newBareServer(dataDir string, circles []*circle) (*bareServer, error) {
	s, err := newServer(bareBin, dataDir)
	if err != nil {
		return nil, err
	}
	b := &bareServer{server: s, tokens: map[string]string{}}
	if err := s.createRawCollection(); err != nil {
		s.Stop(stopTimeout)
		return nil, err
	}
	var users []*user
	for _, c := range circles {
		for _, u := range c.members {
			if _, ok := b.tokens[u.token]; !ok {
				b.tokens[u.token] = ""
				users = append(users, u)
			}
		}
	}
	bare := make([]string, min(len(users), bareUsers))
	err = parallel(len(bare), 8, func(i int) error {
		var rec struct {
			Id string `json:"id"`
		}
		email := fmt.Sprintf("bench-%d-%s@example.com", i, randomHex(4))
		pass := randomHex(12)
		if err := s.call("POST", "/api/collections/users/records", s.Token, map[string]any{
			"email": email, "password": pass, "passwordConfirm": pass,
		}, &rec); err != nil {
			return err
		}
		var auth struct {
			Token string `json:"token"`
		}
		if err := s.call("POST", "/api/collections/users/impersonate/"+rec.Id, s.Token, map[string]any{"duration": 86400}, &auth); err != nil {
			return err
		}
		bare[i] = auth.Token
		return nil
	})
	if err != nil {
		s.Stop(stopTimeout)
		return nil, err
	}
	for i, u := range users {
		b.tokens[u.token] = bare[i%len(bare)]
	}
	return b, nil
}

// jobs turns raw jobs of circly users into the same requests by their
// bare PocketBase users.
func (b *bareServer) jobs(raw []job) []job {
	out := make([]job, len(raw))
	for i, j := range raw {
		t := b.tokens[j.token]
		if t == "" {
			panic("bench: a raw job by a user with no bare PocketBase user")
		}
		out[i] = job{t, j.body}
	}
	return out
}
