package polls_test

// Attacks on the electorate and the request log, each performed as an
// attacker would and failing when it works (API.md §5, §6). The attacks on
// the files on disk are in attacks_disk_test.go, on the stored order in
// attacks_order_test.go, on live counts in attacks_counts_test.go, on the
// batch route in attacks_batch_test.go.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/auth"
	"circly/circles"
	"circly/circlytest"
)

// atkClient sends requests from one client address and user agent.
type atkClient struct {
	h      http.Handler
	ip, ua string
}

// do sends a request and returns the status and the raw answer. It does not
// touch t, so goroutines may use it.
func (c atkClient) do(method, url, token string, body any) (int, []byte) {
	r := circlytest.Request{Method: method, URL: url, Token: token, Body: body}
	if c.ua != "" {
		r.Header = map[string]string{"User-Agent": c.ua}
	}
	if c.ip != "" {
		r.RemoteAddr = c.ip + ":40404"
	}
	rec := circlytest.Do(c.h, r)
	return rec.Code, rec.Body.Bytes()
}

// json is do with a decoded JSON object answer (nil when empty or not an object).
func (c atkClient) json(t testing.TB, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	status, raw := c.do(method, url, token, body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return status, out
}

// atkFieldCode returns data.<path...>.code of an error answer.
func atkFieldCode(body map[string]any, path ...string) string {
	var cur any = body["data"]
	for _, p := range path {
		m, _ := cur.(map[string]any)
		cur = m[p]
	}
	m, _ := cur.(map[string]any)
	code, _ := m["code"].(string)
	return code
}

// atkDeviceLogin logs a device in (registering it when new) and returns the
// token and user id.
func atkDeviceLogin(t testing.TB, h http.Handler, deviceId, secret string) (token, userId string, created bool) {
	t.Helper()
	status, body := circlytest.Call(t, h, "POST", auth.DeviceAuthPath, "", map[string]any{"device_id": deviceId, "device_secret": secret})
	if status != 200 {
		t.Fatalf("device login %s: %d %v", deviceId, status, body)
	}
	record, _ := body["record"].(map[string]any)
	meta, _ := body["meta"].(map[string]any)
	created, _ = meta["created"].(bool)
	return body["token"].(string), record["id"].(string), created
}

// atkJoin joins a circle with its invite code.
func atkJoin(t testing.TB, h http.Handler, token, code, nickname string) {
	t.Helper()
	status, body := circlytest.Call(t, h, "POST", circles.JoinCirclePath, token, map[string]any{"invite_code": code, "nickname": nickname})
	if status != 200 {
		t.Fatalf("join as %s: %d %v", nickname, status, body)
	}
}

// atkInviteCode reads the circle's invite code as a member would.
func atkInviteCode(t testing.TB, f *pollFixture, i int) string {
	t.Helper()
	status, body := circlytest.Call(t, f.handler, "GET", "/api/collections/circles/records/"+f.circle.Id, f.tokens[i], nil)
	code, _ := body["invite_code"].(string)
	if status != 200 || code == "" {
		t.Fatalf("member reads the circle: %d %v", status, body)
	}
	return code
}

// atkRefusedNotElector sends a vote that must be refused as outside the electorate.
func atkRefusedNotElector(t testing.TB, f *pollFixture, token, option, who string) {
	t.Helper()
	status, body := circlytest.Call(t, f.handler, "POST", "/api/collections/votes/records", token, map[string]any{"poll": f.poll, "option": option})
	if status != 403 || atkFieldCode(body, "poll") != "validation_not_in_electorate" {
		t.Fatalf("%s voted: %d %v (want 403 validation_not_in_electorate)", who, status, body)
	}
}

// atkAssertHidden checks, as member i, that the poll shows total and no per-option count.
func atkAssertHidden(t testing.TB, f *pollFixture, i, total int) {
	t.Helper()
	status, body := results(t, f, i)
	if status != 200 || body["total_votes"] != float64(total) {
		t.Fatalf("results: %d %v (want total_votes %d)", status, body, total)
	}
	for _, it := range body["options"].([]any) {
		if o := it.(map[string]any); o["votes"] != nil || o["percent"] != nil {
			t.Fatalf("results reveal a count at %d votes: %v", total, o)
		}
	}
	status, body = circlytest.Call(t, f.handler, "GET", "/api/collections/options/records?filter="+circlytest.Q(`poll="`+f.poll+`"`), f.tokens[i], nil)
	if status != 200 {
		t.Fatalf("options list: %d %v", status, body)
	}
	for _, it := range body["items"].([]any) {
		if o := it.(map[string]any); o["vote_count"] != float64(0) {
			t.Fatalf("options reveal vote_count at %d votes: %v", total, o)
		}
	}
	if gotTotal, rows, _ := f.counts(t); gotTotal != total || rows != total {
		t.Fatalf("stored: total_votes %d, vote rows %d; want %d", gotTotal, rows, total)
	}
}

// TestAttackThrowawayAccountDefeatsThreshold: with one real vote in, an
// attacker makes fresh device accounts, joins them with the invite code
// and tries to push the poll over the threshold with its own votes, so that
// the revealed counts name the real voter's choice.
func TestAttackThrowawayAccountDefeatsThreshold(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true) // k = 3
	f.mustVote(t, 1, 1)                  // member A
	code := atkInviteCode(t, f, 2)       // the attacker is member 2

	for n := range 2 {
		deviceId := fmt.Sprintf("throwaway-%d-%s", n, circlytest.DeviceSecret()[:8])
		token, _, created := atkDeviceLogin(t, f.handler, deviceId, circlytest.DeviceSecret())
		if !created {
			t.Fatal("the throwaway device was not new")
		}
		atkJoin(t, f.handler, token, code, fmt.Sprintf("ghost%d", n))
		for _, option := range f.options {
			atkRefusedNotElector(t, f, token, option, fmt.Sprintf("throwaway %d", n))
		}
		atkAssertHidden(t, f, 2, 1)
	}
	atkAssertHidden(t, f, 0, 1)
}

// TestAttackRevoteAfterReRegistering: a member votes, deletes its account,
// logs in again with the same device id and secret (a new user), rejoins
// with the invite code and votes again.
func TestAttackRevoteAfterReRegistering(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	circly := circlytest.Circly(t, app)
	f := newPollFixture(t, app, 4, true)

	// member 1 uses a real device login: give its account a device secret
	secret := circlytest.DeviceSecret()
	hash, err := circly.Keys.HashDeviceSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	voter := f.users[1]
	voter.Set("device_secret_hash", hash)
	if err := app.Save(voter); err != nil {
		t.Fatal(err)
	}
	deviceId := voter.GetString("device_id")
	token, id, _ := atkDeviceLogin(t, f.handler, deviceId, secret)
	if id != voter.Id {
		t.Fatal("the device login found another user")
	}
	code := atkInviteCode(t, f, 1)
	if status, body := circlytest.Call(t, f.handler, "POST", "/api/collections/votes/records", token, map[string]any{"poll": f.poll, "option": f.options[1]}); status != 200 {
		t.Fatalf("first vote: %d %v", status, body)
	}

	if status, body := circlytest.Call(t, f.handler, "DELETE", "/api/collections/users/records/"+voter.Id, token, nil); status != 204 {
		t.Fatalf("self delete: %d %v", status, body)
	}
	token2, id2, created := atkDeviceLogin(t, f.handler, deviceId, secret)
	if !created || id2 == voter.Id {
		t.Fatalf("re-registering: created=%v id=%s (old %s)", created, id2, voter.Id)
	}
	atkJoin(t, f.handler, token2, code, "again")
	for _, option := range f.options {
		atkRefusedNotElector(t, f, token2, option, "the re-registered device")
	}
	atkAssertHidden(t, f, 0, 1)
}

// TestAttackVoteRequestsLogged sends every kind of request to the votes
// routes (names in other letter cases, the collection id, reads, writes, a
// batch carrying a vote) from a recognisable address and user agent, then
// reads the request log.
func TestAttackVoteRequestsLogged(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 5, true)
	app.Settings().Logs.MaxDays = 7
	app.Settings().Logs.LogIP = true
	app.Settings().Logs.LogAuthId = true
	app.Settings().Batch = core.BatchConfig{Enabled: true, MaxRequests: 10, Timeout: 3}

	voter := atkClient{h: f.handler, ip: "203.0.113.77", ua: "VoteLinker/7.7"}
	for i, path := range []string{"Votes", "VOTES", "circly_votes"} {
		status, body := voter.json(t, "POST", "/api/collections/"+path+"/records", f.tokens[i], map[string]any{"poll": f.poll, "option": f.options[i]})
		if status != 200 {
			t.Fatalf("vote through %s: %d %v", path, status, body)
		}
		if _, ok := body["id"]; ok {
			t.Fatalf("the vote answer through %s carries an id: %v", path, body)
		}
	}
	if total, rows, _ := f.counts(t); total != 3 || rows != 3 {
		t.Fatalf("votes through other spellings: total %d rows %d, want 3", total, rows)
	}

	var voteId string
	if err := app.DB().Select("id").From("votes").Where(dbx.HashExp{"poll": f.poll}).Limit(1).Row(&voteId); err != nil {
		t.Fatal(err)
	}
	refused := []struct{ method, url string }{
		{"POST", "/api/collections/votes/records"}, // already voted
		{"GET", "/api/collections/votes/records/" + voteId},
		{"GET", "/api/collections/VoTeS/records/" + voteId},
		{"GET", "/api/collections/circly_votes/records/" + voteId},
		{"GET", "/api/collections/votes/records"},
		{"GET", "/api/collections/votes/records?filter=" + circlytest.Q(`id="`+voteId+`"`)},
		{"PATCH", "/api/collections/votes/records/" + voteId},
		{"DELETE", "/api/collections/votes/records/" + voteId},
		{"DELETE", "/api/collections/VOTES/records/" + voteId},
	}
	for _, r := range refused {
		status, body := voter.json(t, r.method, r.url, f.tokens[0], map[string]any{"poll": f.poll, "option": f.options[3]})
		if status < 400 {
			t.Fatalf("%s %s as the voter: %d %v", r.method, r.url, status, body)
		}
	}
	status, body := voter.json(t, "POST", "/api/batch", f.tokens[3], map[string]any{"requests": []any{
		map[string]any{"method": "POST", "url": "/api/collections/votes/records", "body": map[string]any{"poll": f.poll, "option": f.options[0]}},
	}})
	if status != 400 {
		t.Fatalf("batch with a vote: %d %v", status, body)
	}
	if total, rows, _ := f.counts(t); total != 3 || rows != 3 {
		t.Fatalf("after the refused requests: total %d rows %d, want 3", total, rows)
	}

	// a control request from elsewhere, logged: once it is in the log, the
	// requests before it have been flushed too
	control := atkClient{h: f.handler, ip: "198.51.100.5", ua: "ControlAgent/1.0"}
	if status, _ := control.json(t, "GET", "/api/collections/polls/records?marker=attack5", f.tokens[4], nil); status != 200 {
		t.Fatalf("control request: %d", status)
	}
	var markerRow string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		app.LogQuery().Select("data").AndWhere(dbx.Like("data", "marker=attack5")).Limit(1).Row(&markerRow)
		if markerRow != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the control request was never logged: the test cannot see logs")
		}
	}
	// the log records IP, user agent and auth id: the scan below can see them
	for _, want := range []string{"198.51.100.5", "ControlAgent/1.0", f.users[4].Id} {
		if !strings.Contains(markerRow, want) {
			t.Fatalf("the control row lacks %q: %s", want, markerRow)
		}
	}

	var rows []struct {
		Message string `db:"message"`
		Data    string `db:"data"`
	}
	if err := app.LogQuery().Select("message", "data").All(&rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		line := r.Message + " " + r.Data
		lower := strings.ToLower(line)
		for _, leak := range []string{"votes", "batch", voter.ip, strings.ToLower(voter.ua), strings.ToLower(voteId)} {
			if strings.Contains(lower, leak) {
				t.Fatalf("a vote request left a log row (%q): %s", leak, line)
			}
		}
		for i := range 4 {
			if strings.Contains(line, f.users[i].Id) {
				t.Fatalf("voter %d's auth id was logged: %s", i, line)
			}
		}
	}
}
