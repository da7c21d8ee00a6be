package sdkgen

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	"circly/auth"
	"circly/circles"
	"circly/circlytest"
	"circly/collections"
)

// routeCaller sends the catalog's routes through a test app and checks
// each answer against the route's Go type: every property the TypeScript
// declares required is there, and nothing it does not declare.
type routeCaller struct {
	t      *testing.T
	app    core.App
	h      http.Handler
	called map[string]bool
}

func (c *routeCaller) route(name string) Route {
	c.t.Helper()
	for _, r := range Routes {
		if r.Name == name {
			return r
		}
	}
	c.t.Fatalf("no route %q", name)
	return Route{}
}

// call sends route name with its path parameters (in order), body and
// query as the typed client would, expects 200 (204 for a route without
// answer) and checks the answer's shape. It returns the decoded answer.
func (c *routeCaller) call(name, token string, params []string, body, query any) map[string]any {
	c.t.Helper()
	r := c.route(name)
	path := r.Path
	names := PathParams(r.Path)
	if len(names) != len(params) {
		c.t.Fatalf("%s: %d path parameters, want %d", name, len(params), len(names))
	}
	for i, p := range names {
		path = strings.Replace(path, "{"+p+"}", url.PathEscape(params[i]), 1)
	}
	if query != nil {
		path += "?" + queryString(c.t, query)
	}
	if (body != nil) != (r.Body != nil) || (body != nil && reflect.TypeOf(body) != r.Body) {
		c.t.Fatalf("%s: body %T, the route takes %v", name, body, r.Body)
	}
	if (query != nil) != (r.Query != nil) || (query != nil && reflect.TypeOf(query) != r.Query) {
		c.t.Fatalf("%s: query %T, the route takes %v", name, query, r.Query)
	}

	rec := circlytest.Do(c.h, circlytest.Request{Method: r.Method, URL: path, Token: token, Body: body})
	c.called[name] = true
	if r.Answer == nil && r.AnswerRecord == "" {
		if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
			c.t.Fatalf("%s: %d %q, want 204 without a body", name, rec.Code, rec.Body.String())
		}
		return nil
	}
	if rec.Code != http.StatusOK {
		c.t.Fatalf("%s %s: %d %s", r.Method, path, rec.Code, rec.Body.String())
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	if r.AnswerRecord != "" {
		c.checkRecord(name, out, r.AnswerRecord)
	} else {
		c.checkShape(name, out, r.Answer)
	}
	return out
}

// checkShape compares a decoded JSON value with the TypeScript that Go
// type t generates.
func (c *routeCaller) checkShape(at string, v any, t reflect.Type) {
	c.t.Helper()
	if v == nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		if t.Kind() == reflect.Slice {
			c.t.Errorf("%s: null, the types say an array", at)
		}
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == dateTimeType:
		if _, ok := v.(string); !ok {
			c.t.Errorf("%s: %v is not a datetime string", at, v)
		}
		return
	case t.Kind() == reflect.Slice:
		items, ok := v.([]any)
		if !ok {
			c.t.Errorf("%s: %v is not an array", at, v)
			return
		}
		for i, item := range items {
			c.checkShape(fmt.Sprintf("%s[%d]", at, i), item, t.Elem())
		}
		return
	case t.Kind() != reflect.Struct:
		return
	}
	obj, ok := v.(map[string]any)
	if !ok {
		c.t.Errorf("%s: %v is not an object", at, v)
		return
	}
	tsName := routeTypeNames[t]
	declared := map[string]bool{}
	walkFields(t, func(f reflect.StructField) {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			return
		}
		declared[name] = true
		value, present := obj[name]
		optional := routeOptional[tsName+"."+name] || strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero")
		if !present {
			if !optional {
				c.t.Errorf("%s: no %q, which the types declare", at, name)
			}
			return
		}
		if f.Type == reflect.TypeFor[*core.Record]() {
			c.checkRecord(at+"."+name, value, collectionOfType(routeRecords[tsName+"."+name]))
			return
		}
		c.checkShape(at+"."+name, value, f.Type)
	})
	for key := range obj {
		if !declared[key] {
			c.t.Errorf("%s: %q is not in the types (%s)", at, key, tsName)
		}
	}
}

// checkRecord compares a record in an answer with the generated record
// type of its collection.
func (c *routeCaller) checkRecord(at string, v any, collection string) {
	c.t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		c.t.Errorf("%s: %v is not a record", at, v)
		return
	}
	col, err := c.app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		c.t.Fatal(err)
	}
	keys, err := RecordKeys(col)
	if err != nil {
		c.t.Fatal(err)
	}
	declared := map[string]bool{"expand": true}
	for _, k := range keys {
		declared[k.Name] = true
		if _, ok := obj[k.Name]; !ok && !k.Optional {
			c.t.Errorf("%s: no %q, which %s declares", at, k.Name, RecordTypeName(collection))
		}
	}
	for key := range obj {
		if !declared[key] {
			c.t.Errorf("%s: %q is not in %s", at, key, RecordTypeName(collection))
		}
	}
	if obj[core.FieldNameCollectionName] != collection {
		c.t.Errorf("%s: a record of %v, the types say %s", at, obj[core.FieldNameCollectionName], collection)
	}
}

func collectionOfType(tsName string) string {
	for _, name := range collections.All {
		if RecordTypeName(name) == tsName {
			return name
		}
	}
	return ""
}

func queryString(t *testing.T, query any) string {
	t.Helper()
	raw, err := json.Marshal(query)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	for k, v := range m {
		q.Set(k, fmt.Sprint(v))
	}
	return q.Encode()
}

func newDevice() auth.DeviceCredentials {
	return auth.DeviceCredentials{DeviceId: "sdk-" + security.RandomString(16), DeviceSecret: circlytest.DeviceSecret()}
}

// TestRouteAnswersMatchTypes walks the story of the app through every
// route of the catalog, with the catalog's body and query types, and
// checks every answer against the generated types (required properties
// present, no undeclared property, records as their collection's type).
func TestRouteAnswersMatchTypes(t *testing.T) {
	app := circlytest.NewTestApp(t)
	c := &routeCaller{t: t, app: app, h: circlytest.Handler(t, app), called: map[string]bool{}}

	login := func() (token, id string) {
		res := c.call("deviceLogin", "", nil, newDevice(), nil)
		return res["token"].(string), res["record"].(map[string]any)["id"].(string)
	}
	minji, _ := login()
	seojun, _ := login()
	hayun, _ := login()
	jiho, _ := login()

	circle := c.call("createCircle", minji, nil, CircleCreate{Name: "토요 모임", Nickname: "민지", MaxMembers: 10}, nil)
	circleId := circle["id"].(string)
	c.call("invitePreview", "", []string{circle["invite_link_id"].(string)}, nil, nil)
	c.call("join", seojun, nil, circles.JoinRequest{InviteCode: circle["invite_code"].(string), Nickname: "서준"}, nil)
	c.call("join", hayun, nil, circles.JoinRequest{InviteLinkId: circle["invite_link_id"].(string), Nickname: "하윤"}, nil)
	joined := c.call("join", jiho, nil, circles.JoinRequest{InviteCode: circle["invite_code"].(string), Nickname: "지호"}, nil)

	deadline := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	poll := c.call("createPoll", minji, nil, PollCreate{
		Circle: circleId, Template: circlytest.FirstTemplate(t, app).Id, Deadline: deadline, IsAnonymous: false,
	}, nil)
	pollId := poll["id"].(string)
	options, err := collections.PollOptions(app, pollId)
	if err != nil {
		t.Fatal(err)
	}
	optionOf := map[string]string{}
	for _, o := range options {
		optionOf[o.Nickname()] = o.Id
	}
	c.call("vote", minji, nil, VoteCreate{Poll: pollId, Option: optionOf["서준"]}, nil)
	c.call("vote", seojun, nil, VoteCreate{Poll: pollId, Option: optionOf["하윤"]}, nil)
	c.call("vote", hayun, nil, VoteCreate{Poll: pollId, Option: optionOf["서준"]}, nil)
	results := c.call("results", jiho, []string{pollId}, nil, nil)
	if results["revealed"] != true {
		t.Fatalf("results not revealed after 3 votes: %v", results)
	}
	if feed := c.call("feed", jiho, nil, nil, FeedQuery{Status: collections.PollOpen, PageQuery: PageQuery{Page: 1, PerPage: 5}}); len(feed["items"].([]any)) != 1 {
		t.Fatalf("feed: %v", feed)
	}

	svc := circlytest.Circly(t, app)
	if _, err := svc.Polls.CloseDuePolls(app, time.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if picks := c.call("picks", seojun, nil, nil, PageQuery{PerPage: 10}); len(picks["items"].([]any)) != 1 {
		t.Fatalf("picks: %v", picks)
	}

	c.call("newInvite", minji, []string{circleId}, nil, nil)
	c.call("removeMember", minji, []string{circleId}, circles.RemoveRequest{Member: joined["member"].(map[string]any)["id"].(string)}, nil)
	c.call("leave", hayun, []string{circleId}, nil, nil)

	transfer := c.call("newTransferCode", seojun, nil, nil, nil)
	dev := newDevice()
	moved := c.call("redeemTransfer", "", nil, auth.RedeemRequest{Code: transfer["code"].(string), DeviceId: dev.DeviceId, DeviceSecret: dev.DeviceSecret}, nil)
	recovery := c.call("newRecoveryCode", moved["token"].(string), nil, nil, nil)
	dev = newDevice()
	c.call("recover", "", nil, auth.RecoverRequest{RecoveryCode: recovery["recovery_code"].(string), DeviceId: dev.DeviceId, DeviceSecret: dev.DeviceSecret}, nil)

	for _, r := range Routes {
		if !c.called[r.Name] {
			t.Errorf("route %s was not exercised", r.Name)
		}
	}
}

// TestNonAnonymousResultsMatchTypes checks the voters of a non-anonymous
// poll's results, the one optional property of the answers.
func TestNonAnonymousResultsMatchTypes(t *testing.T) {
	app := circlytest.NewTestApp(t)
	c := &routeCaller{t: t, app: app, h: circlytest.Handler(t, app), called: map[string]bool{}}
	circle, users, _ := circlytest.CircleWithMembers(t, app, 4)
	deadline := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	body := map[string]any{"circle": circle.Id, "template": circlytest.FirstTemplate(t, app).Id, "deadline": deadline, "is_anonymous": false}
	status, poll := circlytest.Call(t, c.h, "POST", "/api/collections/polls/records", circlytest.Token(t, users[0]), body)
	if status != http.StatusOK {
		t.Fatalf("poll create: %d %v", status, poll)
	}
	options, err := collections.PollOptions(app, poll["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users[:3] {
		// each votes for the first option that is not its own
		i := slices.IndexFunc(options, func(o *collections.Option) bool { return !isOwnOption(t, app, o, u.Id) })
		c.call("vote", circlytest.Token(t, u), nil, VoteCreate{Poll: poll["id"].(string), Option: options[i].Id}, nil)
	}
	results := c.call("results", circlytest.Token(t, users[3]), []string{poll["id"].(string)}, nil, nil)
	withVoters := 0
	for _, o := range results["options"].([]any) {
		if _, ok := o.(map[string]any)["voters"]; ok {
			withVoters++
		}
	}
	if withVoters == 0 {
		t.Fatalf("no option lists its voters: %v", results)
	}
}

func isOwnOption(t *testing.T, app core.App, o *collections.Option, userId string) bool {
	t.Helper()
	m, err := collections.FindMember(app, o.Member())
	if err != nil || m == nil {
		t.Fatal(m, err)
	}
	return m.User() == userId
}
