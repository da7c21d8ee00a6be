package server_test

import (
	"regexp"
	"testing"
	"time"

	"circly/circlytest"
	"circly/collections"
)

// vocabCase is one refused request: who sends it, and the exact answer
// (status, message, data.<field>.code) the app may rely on.
type vocabCase struct {
	name, role, method string
	path               func(w *matrixWorld) string
	body               func(w *matrixWorld) map[string]any
	status             int
	message            string
	codes              map[string]string // data.<field>.code; nil: data is empty
}

// PocketBase's own answers, kept where its rules or routes decide.
const (
	pbNotFound       = "The requested resource wasn't found."
	pbSuperusersOnly = "Only superusers can perform this action."
)

// Circly's answers, as docs/API.md ("Who may: 403 or 404") lists them.
const (
	msgCreatorUpdates   = "Only the circle's creator can change the circle's name, max_members or image."
	msgCreatorDeletes   = "Only the circle's creator can delete the circle."
	msgCreatorInvites   = "Only the circle's creator can make a new invite."
	msgCreatorRemoves   = "Only the circle's creator can remove members."
	msgCircleNotFound   = "The circle was not found."
	msgNotMember        = "You are not a member of this circle, or you have already left it."
	msgOwnMembership    = "Only the member itself can change its nickname, avatar or muted."
	msgPollNotFound     = "The poll was not found."
	msgNotInElectorate  = "Only the members of the circle when the poll started can vote in it."
	msgSignIn           = "Sign in to do this."
	msgHiddenFilterRule = "The filter cannot use nickname_key: there is no such field, or it cannot be filtered on."
)

func fixedPath(p string) func(*matrixWorld) string { return func(*matrixWorld) string { return p } }

func sends(b map[string]any) func(*matrixWorld) map[string]any {
	return func(*matrixWorld) map[string]any { return b }
}

func circleRecord(w *matrixWorld) string { return "/api/collections/circles/records/" + w.circle.Id }
func circleRoute(action string) func(w *matrixWorld) string {
	return func(w *matrixWorld) string { return "/api/circly/circles/" + w.circle.Id + "/" + action }
}
func memberRecord(role string) func(w *matrixWorld) string {
	return func(w *matrixWorld) string { return "/api/collections/members/records/" + w.members[role].Id }
}
func memberBody(role string) func(w *matrixWorld) map[string]any {
	return func(w *matrixWorld) map[string]any { return map[string]any{"member": w.members[role].Id} }
}
func resultsOf(w *matrixWorld) string { return "/api/circly/polls/" + w.poll.Id + "/results" }

func newPollBody(extra map[string]any) func(w *matrixWorld) map[string]any {
	return func(w *matrixWorld) map[string]any {
		b := map[string]any{"circle": w.circle.Id, "template": w.template.Id, "deadline": dt(time.Hour)}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
}

var vocabulary = []vocabCase{
	// circles: a member sees the circle, so what only the creator may do is a 403;
	// who does not see it (stranger, former member) gets a 404
	{"rename as a member", roleMember, "PATCH", circleRecord, sends(map[string]any{"name": "x"}), 403, msgCreatorUpdates, nil},
	{"max_members as a member", roleMember, "PATCH", circleRecord, sends(map[string]any{"max_members": 10}), 403, msgCreatorUpdates, nil},
	{"remove the image as a member", roleMember, "PATCH", circleRecord, sends(map[string]any{"image": nil}), 403, msgCreatorUpdates, nil},
	{"set creator as a member", roleMember, "PATCH", circleRecord, sends(map[string]any{"creator": "x"}), 403, msgCreatorUpdates, nil},
	{"rename as a stranger", roleStranger, "PATCH", circleRecord, sends(map[string]any{"name": "x"}), 404, pbNotFound, nil},
	{"rename as a former member", roleFormer, "PATCH", circleRecord, sends(map[string]any{"name": "x"}), 404, pbNotFound, nil},
	{"delete as a member", roleMember, "DELETE", circleRecord, nil, 403, msgCreatorDeletes, nil},
	{"delete as a stranger", roleStranger, "DELETE", circleRecord, nil, 404, pbNotFound, nil},
	{"delete as a former member", roleFormer, "DELETE", circleRecord, nil, 404, pbNotFound, nil},
	{"new invite as a member", roleMember, "POST", circleRoute("invite"), nil, 403, msgCreatorInvites, nil},
	{"new invite as a stranger", roleStranger, "POST", circleRoute("invite"), nil, 404, msgCircleNotFound, nil},
	{"remove as a member", roleMember, "POST", circleRoute("remove"), memberBody("member2"), 403, msgCreatorRemoves, nil},
	{"remove as a stranger", roleStranger, "POST", circleRoute("remove"), memberBody("member2"), 404, msgCircleNotFound, nil},
	{"remove as a former member", roleFormer, "POST", circleRoute("remove"), memberBody("member2"), 404, msgCircleNotFound, nil},
	{"remove a former member", roleCreator, "POST", circleRoute("remove"), memberBody(roleFormer), 409,
		"This member has already left the circle or was removed.", nil},
	{"remove an unknown member", roleCreator, "POST", circleRoute("remove"), sends(map[string]any{"member": "nosuchmember123"}), 404,
		"The member was not found in this circle.", nil},
	{"remove oneself", roleCreator, "POST", circleRoute("remove"), memberBody(roleCreator), 400,
		"You cannot remove yourself; leave the circle instead.", map[string]string{"member": "validation_cannot_remove_self"}},
	{"leave twice", roleFormer, "POST", circleRoute("leave"), nil, 404, msgNotMember, nil},
	{"leave as a stranger", roleStranger, "POST", circleRoute("leave"), nil, 404, msgNotMember, nil},
	{"leave an unknown circle", roleMember, "POST", fixedPath("/api/circly/circles/nosuchcircle12/leave"), nil, 404, msgNotMember, nil},
	{"max_members below the count", roleCreator, "PATCH", circleRecord, sends(map[string]any{"max_members": 2}), 400,
		"The circle's max_members cannot be below its current member count.", map[string]string{"max_members": "validation_max_members_below_count"}},
	{"a circle field the creator cannot change", roleCreator, "PATCH", circleRecord, sends(map[string]any{"invite_code": "ABCDEF"}), 400,
		"Only name, max_members and image can be changed.", map[string]string{"invite_code": "validation_field_not_writable"}},
	// API.md §2: an unknown invite is 404
	{"join with an unknown code", roleStranger, "POST", fixedPath("/api/circly/circles/join"), sends(map[string]any{"invite_code": "ZZZZZZ", "nickname": "x"}), 404,
		"This invite does not exist or is no longer valid.", nil},

	// members: members see each other's rows, so another's row is a 403
	{"rename another member", roleMember, "PATCH", memberRecord(roleCreator), sends(map[string]any{"nickname": "x"}), 403, msgOwnMembership, nil},
	{"the creator mutes another member", roleCreator, "PATCH", memberRecord(roleMember), sends(map[string]any{"muted": true}), 403, msgOwnMembership, nil},
	{"rename a member as a stranger", roleStranger, "PATCH", memberRecord(roleMember), sends(map[string]any{"nickname": "x"}), 404, pbNotFound, nil},
	{"rename a member as a former member", roleFormer, "PATCH", memberRecord(roleMember), sends(map[string]any{"nickname": "x"}), 404, pbNotFound, nil},
	{"delete a membership", roleMember, "DELETE", memberRecord(roleMember), nil, 403, pbSuperusersOnly, nil},
	{"muted that is not a bool", roleMember, "PATCH", memberRecord(roleMember), sends(map[string]any{"muted": "maybe"}), 400,
		"Set muted to true or false.", map[string]string{"muted": "validation_invalid_bool"}},

	// polls: API.md §4 mandates 403 for a non-member's create (an unknown
	// circle answers the same, so it tells nothing)
	{"poll create with a field that cannot be set", roleMember, "POST", fixedPath("/api/collections/polls/records"), newPollBody(map[string]any{"question_text": "x"}), 400,
		"Only circle, template, deadline and is_anonymous can be set.", map[string]string{"question_text": "validation_field_not_writable"}},
	{"poll create as a stranger", roleStranger, "POST", fixedPath("/api/collections/polls/records"), newPollBody(nil), 403,
		"Only members of the circle can start a poll there.", nil},
	{"poll create in an unknown circle", roleMember, "POST", fixedPath("/api/collections/polls/records"), newPollBody(map[string]any{"circle": "nosuchcircle12"}), 403,
		"Only members of the circle can start a poll there.", nil},
	{"is_anonymous that is not a bool", roleMember, "POST", fixedPath("/api/collections/polls/records"), newPollBody(map[string]any{"is_anonymous": "maybe"}), 400,
		"Set is_anonymous to true or false.", map[string]string{"is_anonymous": "validation_invalid_bool"}},
	{"poll update", roleCreator, "PATCH", func(w *matrixWorld) string { return "/api/collections/polls/records/" + w.poll.Id }, sends(map[string]any{"question_text": "x"}), 403, pbSuperusersOnly, nil},
	{"results as a stranger", roleStranger, "GET", resultsOf, nil, 404, msgPollNotFound, nil},
	{"results as a member of another circle", roleOtherMember, "GET", resultsOf, nil, 404, msgPollNotFound, nil},
	{"results of an unknown poll", roleMember, "GET", fixedPath("/api/circly/polls/nosuchpoll12345/results"), nil, 404, msgPollNotFound, nil},

	// votes: API.md §5 mandates 403 validation_not_in_electorate
	{"vote as a stranger", roleStranger, "POST", fixedPath("/api/collections/votes/records"),
		func(w *matrixWorld) map[string]any {
			return map[string]any{"poll": w.poll.Id, "option": w.options[roleMember].Id}
		}, 403,
		msgNotInElectorate, map[string]string{"poll": "validation_not_in_electorate"}},
	{"vote in an unknown poll", roleMember, "POST", fixedPath("/api/collections/votes/records"),
		func(w *matrixWorld) map[string]any {
			return map[string]any{"poll": "nosuchpoll12345", "option": w.options["member2"].Id}
		}, 404, msgPollNotFound, nil},
	{"vote with a field that cannot be set", roleCreator, "POST", fixedPath("/api/collections/votes/records"),
		func(w *matrixWorld) map[string]any {
			return map[string]any{"poll": w.poll.Id, "option": w.options["member2"].Id, "member": w.members[roleCreator].Id}
		}, 400, "Only poll and option can be set.", map[string]string{"member": "validation_field_not_writable"}},
	{"vote twice", "member2", "POST", fixedPath("/api/collections/votes/records"),
		func(w *matrixWorld) map[string]any {
			return map[string]any{"poll": w.poll.Id, "option": w.options[roleMember].Id}
		}, 400,
		"You have already voted in this poll.", map[string]string{"poll": "validation_already_voted"}},

	// list queries PocketBase cannot use, explained
	{"filter on a hidden field", roleMember, "GET", fixedPath("/api/collections/members/records?filter=" + circlytest.Q("nickname_key='x'")), nil, 400,
		msgHiddenFilterRule, map[string]string{"filter": "validation_invalid_filter"}},
	{"filter on an unknown field", roleMember, "GET", fixedPath("/api/collections/circles/records?filter=" + circlytest.Q("colour='red'")), nil, 400,
		"The filter cannot use colour: there is no such field, or it cannot be filtered on.", map[string]string{"filter": "validation_invalid_filter"}},
	{"filter on a hidden field inside a group", roleMember, "GET", fixedPath("/api/collections/members/records?filter=" + circlytest.Q("(nickname='a' || nickname_key='x')")), nil, 400,
		msgHiddenFilterRule, map[string]string{"filter": "validation_invalid_filter"}},
	{"a filter that does not parse", roleMember, "GET", fixedPath("/api/collections/members/records?filter=" + circlytest.Q("nickname =")), nil, 400,
		"The filter is not a valid filter expression.", map[string]string{"filter": "validation_invalid_filter"}},
	{"sort on a hidden field", roleMember, "GET", fixedPath("/api/collections/members/records?sort=-nickname_key"), nil, 400,
		"The sort cannot use nickname_key: there is no such field, or it cannot be sorted on.", map[string]string{"sort": "validation_invalid_sort"}},
	{"a page that is not a number", roleMember, "GET", fixedPath("/api/collections/members/records?page=two"), nil, 400,
		"Invalid query parameter page.", map[string]string{"page": "validation_only_int_constraint"}},
	{"filter on a user's secret hash", roleMember, "GET", fixedPath("/api/collections/users/records?filter=" + circlytest.Q("device_secret_hash='x'")), nil, 403, pbSuperusersOnly, nil},
	// hidden fields stay searchable for superusers (the dashboard)
	{"a superuser filters on a hidden field", roleSuperuser, "GET", fixedPath("/api/collections/members/records?filter=" + circlytest.Q("nickname_key='x'")), nil, 200, "", nil},

	// reports and blocks: what lies outside the caller's circles is a 404 (API.md §10)
	{"report a member of another circle", roleStranger, "POST", fixedPath("/api/collections/reports/records"),
		func(w *matrixWorld) map[string]any {
			return map[string]any{"target_type": collections.ReportTargetMember, "target": w.members[roleMember].Id, "reason": collections.ReasonSpam}
		}, 404, "The reported member or circle was not found.", nil},
	{"report with a field that cannot be set", roleMember, "POST", fixedPath("/api/collections/reports/records"),
		func(w *matrixWorld) map[string]any {
			return map[string]any{"target_type": collections.ReportTargetMember, "target": w.members["member2"].Id, "reason": collections.ReasonSpam, "status": "dismissed"}
		}, 400, "Only target_type, target, reason and note can be set.", map[string]string{"status": "validation_field_not_writable"}},
	{"block a member of another circle", roleStranger, "POST", fixedPath("/api/collections/blocks/records"), memberBody2(roleMember), 404, "The member was not found.", nil},
	{"block oneself", roleMember, "POST", fixedPath("/api/collections/blocks/records"), memberBody2(roleMember), 400,
		"You cannot block yourself.", map[string]string{"blocked_member": "validation_cannot_block_self"}},
	{"delete another's block", "member2", "DELETE", func(w *matrixWorld) string { return "/api/collections/blocks/records/" + matrixBlock(w).Id }, nil, 404, pbNotFound, nil},

	// signing in
	{"create a circle without signing in", roleAnonymous, "POST", fixedPath("/api/collections/circles/records"), sends(map[string]any{"name": "x", "nickname": "x"}), 401, msgSignIn, nil},
	{"leave without signing in", roleAnonymous, "POST", circleRoute("leave"), nil, 401, msgSignIn, nil},
	{"results without signing in", roleAnonymous, "GET", resultsOf, nil, 401, msgSignIn, nil},
	{"the feed with a superuser token", roleSuperuser, "GET", fixedPath("/api/circly/feed"), nil, 403, "Only app users can do this.", nil},
	{"a disabled account", roleDisabled, "GET", fixedPath("/api/circly/feed"), nil, 403, "This account is disabled.", nil},
	{"view another user", roleMember, "GET", func(w *matrixWorld) string { return "/api/collections/users/records/" + w.users[roleCreator].Id }, nil, 404, pbNotFound, nil},
	{"a user field that cannot be changed", roleMember, "PATCH", func(w *matrixWorld) string { return "/api/collections/users/records/" + w.users[roleMember].Id },
		sends(map[string]any{"is_active": false}), 400, "Only push_token and locale can be changed.", map[string]string{"is_active": "validation_field_not_writable"}},
}

func memberBody2(role string) func(w *matrixWorld) map[string]any {
	return func(w *matrixWorld) map[string]any { return map[string]any{"blocked_member": w.members[role].Id} }
}

// sentence is the shape of every message: capitalised, ending with a period.
var sentence = regexp.MustCompile(`^[A-Z].*\.$`)

// TestErrorVocabulary pins the status, message and data codes of each
// refusal, per role: the 403/404 rule of docs/API.md ("Who may: 403 or
// 404") and the contract's own statuses. All requests are refusals, so
// they share one world.
func TestErrorVocabulary(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	h := circlytest.Handler(t, w.app)
	for _, c := range vocabulary {
		var b map[string]any
		if c.body != nil {
			b = c.body(w)
		}
		status, res := call(t, h, c.method, c.path(w), w.tokens[c.role], b)
		if status != c.status {
			t.Errorf("%s: status %d, want %d: %v", c.name, status, c.status, res)
			continue
		}
		if c.message == "" {
			continue
		}
		if msg, _ := res["message"].(string); msg != c.message {
			t.Errorf("%s: message %q, want %q", c.name, msg, c.message)
		}
		if msg, _ := res["message"].(string); !sentence.MatchString(msg) {
			t.Errorf("%s: message %q is not a sentence", c.name, msg)
		}
		data, _ := res["data"].(map[string]any)
		if len(data) != len(c.codes) {
			t.Errorf("%s: data %v, want codes %v", c.name, data, c.codes)
			continue
		}
		for field, code := range c.codes {
			got, _ := data[field].(map[string]any)
			if got["code"] != code {
				t.Errorf("%s: data.%s = %v, want code %s", c.name, field, data[field], code)
			}
			if msg, _ := got["message"].(string); !sentence.MatchString(msg) {
				t.Errorf("%s: data.%s.message %q is not a sentence", c.name, field, msg)
			}
		}
	}
}
