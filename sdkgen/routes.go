package sdkgen

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"circly/auth"
	"circly/circles"
	"circly/collections"
	"circly/polls"
)

// The answers the server builds from maps (and the record-create bodies
// its hooks take), written down as structs so that they have a Go type to
// generate TypeScript from; TestRouteAnswersMatchTypes sends the real
// requests and checks that the answers have exactly these keys.

// AuthResponse is the answer of device login, redeem and recover:
// PocketBase's auth response with meta.created.
type AuthResponse struct {
	Token  string       `json:"token"`
	Record *core.Record `json:"record"`
	Meta   AuthMeta     `json:"meta"`
}

// AuthMeta is AuthResponse.Meta.
type AuthMeta struct {
	// Created: device login made a new user (always false after a move).
	Created bool `json:"created"`
}

// TransferCode is the answer of a new transfer code.
type TransferCode struct {
	Code      string         `json:"code"`
	ExpiresAt types.DateTime `json:"expires_at"`
}

// RecoveryCode is the answer of a new recovery code (shown once).
type RecoveryCode struct {
	RecoveryCode string `json:"recovery_code"`
}

// JoinAnswer is the answer of a join.
type JoinAnswer struct {
	Circle *core.Record `json:"circle"`
	Member *core.Record `json:"member"`
}

// PageQuery is the query of the paged home routes (picks).
type PageQuery struct {
	Page    int `json:"page,omitempty"`
	PerPage int `json:"perPage,omitempty"`
}

// FeedQuery is the query of the feed.
type FeedQuery struct {
	Status string `json:"status,omitempty"`
	PageQuery
}

// CircleCreate is the body of a circle create (nickname: the creator's
// nickname in the circle, not a circle field).
type CircleCreate struct {
	Name       string `json:"name"`
	Nickname   string `json:"nickname"`
	MaxMembers int    `json:"max_members,omitempty"`
}

// PollCreate is the body of a poll create.
type PollCreate struct {
	Circle      string `json:"circle"`
	Template    string `json:"template"`
	Deadline    string `json:"deadline"`
	IsAnonymous bool   `json:"is_anonymous,omitempty"`
}

// VoteCreate is the body of a vote.
type VoteCreate struct {
	Poll   string `json:"poll"`
	Option string `json:"option"`
}

// VoteAnswer is the answer of a vote: no id, no handle to the stored row.
type VoteAnswer struct {
	CollectionId   string `json:"collectionId"`
	CollectionName string `json:"collectionName"`
	Poll           string `json:"poll"`
	Option         string `json:"option"`
}

// Route is one call of the typed client.
type Route struct {
	Name   string // the TypeScript name, e.g. "deviceLogin"
	Method string
	Path   string // {name} segments are parameters
	Auth   string // who may call it
	Doc    string
	Body   reflect.Type // nil: no body
	Query  reflect.Type // nil: no query
	// Answer is the 200 body's type; nil with AnswerRecord: a record of
	// that collection; nil without: 204, no body.
	Answer       reflect.Type
	AnswerRecord string
}

func recordsPath(collection string) string {
	return "/api/collections/" + collection + "/records"
}

// Routes are Circly's custom routes and the record creates its hooks
// shape, in the order the client lists them. Every /api/circly/ path in
// the server's code must be here or in NotForTheApp
// (TestEveryCirclyRouteIsTyped).
var Routes = []Route{
	{Name: "deviceLogin", Method: "POST", Path: auth.DeviceAuthPath, Auth: "none",
		Doc:  "Signs the device in, making its user on first use (§1).",
		Body: reflect.TypeFor[auth.DeviceCredentials](), Answer: reflect.TypeFor[AuthResponse]()},
	{Name: "newTransferCode", Method: "POST", Path: auth.TransferPath, Auth: "user",
		Doc:    "A transfer code for moving the account to another phone, valid 10 minutes (§11).",
		Answer: reflect.TypeFor[TransferCode]()},
	{Name: "redeemTransfer", Method: "POST", Path: auth.TransferRedeemPath, Auth: "none",
		Doc:  "Moves the transfer code's account onto this device (§11).",
		Body: reflect.TypeFor[auth.RedeemRequest](), Answer: reflect.TypeFor[AuthResponse]()},
	{Name: "newRecoveryCode", Method: "POST", Path: auth.RecoveryPath, Auth: "user",
		Doc:    "A recovery code, shown once; a new one replaces the old (§11).",
		Answer: reflect.TypeFor[RecoveryCode]()},
	{Name: "recover", Method: "POST", Path: auth.RecoverPath, Auth: "none",
		Doc:  "Moves the recovery code's account onto this device (§11).",
		Body: reflect.TypeFor[auth.RecoverRequest](), Answer: reflect.TypeFor[AuthResponse]()},
	{Name: "createCircle", Method: "POST", Path: recordsPath(collections.Circles), Auth: "user",
		Doc:  "Creates a circle; the caller becomes its first member with nickname (§2).",
		Body: reflect.TypeFor[CircleCreate](), AnswerRecord: collections.Circles},
	{Name: "join", Method: "POST", Path: circles.JoinCirclePath, Auth: "user",
		Doc:  "Joins the circle of an invite code or link id; idempotent (§2).",
		Body: reflect.TypeFor[circles.JoinRequest](), Answer: reflect.TypeFor[JoinAnswer]()},
	{Name: "newInvite", Method: "POST", Path: circles.NewInvitePath, Auth: "creator",
		Doc:          "Replaces the circle's invite code and link (§2).",
		AnswerRecord: collections.Circles},
	{Name: "leave", Method: "POST", Path: circles.LeaveCirclePath, Auth: "member",
		Doc: "Ends the caller's membership (§2)."},
	{Name: "removeMember", Method: "POST", Path: circles.RemoveMemberPath, Auth: "creator",
		Doc:  "Ends another member's membership and replaces the invite (§2).",
		Body: reflect.TypeFor[circles.RemoveRequest](), AnswerRecord: collections.Circles},
	{Name: "invitePreview", Method: "GET", Path: circles.InvitePreviewPath, Auth: "none",
		Doc:    "What an invite link shows before joining (§2).",
		Answer: reflect.TypeFor[circles.InvitePreview]()},
	{Name: "createPoll", Method: "POST", Path: recordsPath(collections.Polls), Auth: "member",
		Doc:  "Starts a poll in a circle from a question template (§4).",
		Body: reflect.TypeFor[PollCreate](), AnswerRecord: collections.Polls},
	{Name: "vote", Method: "POST", Path: recordsPath(collections.Votes), Auth: "electorate",
		Doc:  "Votes for an option of a poll (§5).",
		Body: reflect.TypeFor[VoteCreate](), Answer: reflect.TypeFor[VoteAnswer]()},
	{Name: "results", Method: "GET", Path: polls.ResultsPath, Auth: "member or electorate",
		Doc:    "A poll's results; per-option counts are null until revealed (§6).",
		Answer: reflect.TypeFor[polls.Results]()},
	{Name: "feed", Method: "GET", Path: polls.FeedPath, Auth: "user",
		Doc:   "The polls the caller may read, open ones first (§9).",
		Query: reflect.TypeFor[FeedQuery](), Answer: reflect.TypeFor[polls.FeedPage]()},
	{Name: "picks", Method: "GET", Path: polls.PicksPath, Auth: "user",
		Doc:   "The caller's inbox: closed polls in which it was picked (§9).",
		Query: reflect.TypeFor[PageQuery](), Answer: reflect.TypeFor[polls.PicksPage]()},
}

// NotForTheApp are the /api/circly/ paths that are not the app's (no
// typed call): operators' routes, and the rate-limit label of the
// invite preview.
var NotForTheApp = []string{
	"/api/circly/metrics",
	"/api/circly/invites/",
}

// routeTypeNames names every struct the routes' types contain.
var routeTypeNames = map[reflect.Type]string{
	reflect.TypeFor[auth.DeviceCredentials](): "DeviceCredentials",
	reflect.TypeFor[auth.RedeemRequest]():     "RedeemRequest",
	reflect.TypeFor[auth.RecoverRequest]():    "RecoverRequest",
	reflect.TypeFor[AuthResponse]():           "AuthResponse",
	reflect.TypeFor[AuthMeta]():               "AuthMeta",
	reflect.TypeFor[TransferCode]():           "TransferCode",
	reflect.TypeFor[RecoveryCode]():           "RecoveryCode",
	reflect.TypeFor[CircleCreate]():           "CircleCreate",
	reflect.TypeFor[circles.JoinRequest]():    "JoinRequest",
	reflect.TypeFor[JoinAnswer]():             "JoinAnswer",
	reflect.TypeFor[circles.RemoveRequest]():  "RemoveRequest",
	reflect.TypeFor[circles.InvitePreview]():  "InvitePreview",
	reflect.TypeFor[PollCreate]():             "PollCreate",
	reflect.TypeFor[VoteCreate]():             "VoteCreate",
	reflect.TypeFor[VoteAnswer]():             "VoteAnswer",
	reflect.TypeFor[polls.Results]():          "Results",
	reflect.TypeFor[polls.ResultsOption]():    "ResultsOption",
	reflect.TypeFor[FeedQuery]():              "FeedQuery",
	reflect.TypeFor[PageQuery]():              "PageQuery",
	reflect.TypeFor[polls.FeedPage]():         "FeedPage",
	reflect.TypeFor[polls.FeedItem]():         "FeedItem",
	reflect.TypeFor[polls.PicksPage]():        "PicksPage",
	reflect.TypeFor[polls.PickItem]():         "PickItem",
}

// routeRecords names the record type of each *core.Record in the routes'
// types.
var routeRecords = map[string]string{
	"AuthResponse.record": RecordTypeName(collections.Users),
	"JoinAnswer.circle":   RecordTypeName(collections.Circles),
	"JoinAnswer.member":   RecordTypeName(collections.Members),
	"FeedItem.poll":       RecordTypeName(collections.Polls),
}

// routeUnions are string properties with a fixed set of values.
var routeUnions = map[string][]string{
	"Results.status":            {collections.PollOpen, collections.PollClosed},
	"FeedQuery.status":          {collections.PollOpen, collections.PollClosed},
	"VoteAnswer.collectionName": {collections.Votes},
}

// routeOptional are the properties the server takes without, though their
// Go fields have no omitempty: a join names the invite by code or by link.
var routeOptional = map[string]bool{
	"JoinRequest.invite_code":    true,
	"JoinRequest.invite_link_id": true,
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// PathParams are the {name} segments of a path.
func PathParams(path string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

// routesTS writes routes.gen.ts: the routes' body, query and answer types,
// the route table and the types of each route.
func routesTS() (string, error) {
	var b strings.Builder
	b.WriteString(header)

	records := map[string]bool{}
	for _, r := range routeRecords {
		records[r] = true
	}
	for _, r := range Routes {
		if r.AnswerRecord != "" {
			records[RecordTypeName(r.AnswerRecord)] = true
		}
	}
	imports := make([]string, 0, len(records))
	for r := range records {
		imports = append(imports, r)
	}
	slices.Sort(imports)
	fmt.Fprintf(&b, "import type { %s } from './records.gen.js';\n\n", strings.Join(imports, ", "))

	w := &tsWriter{names: routeTypeNames, records: routeRecords, unions: routeUnions, optional: routeOptional}
	// every named type once, in the order the routes first use them
	seen := map[reflect.Type]bool{}
	var order []reflect.Type
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		if _, named := routeTypeNames[t]; !named {
			return
		}
		seen[t] = true
		order = append(order, t)
		walkFields(t, func(f reflect.StructField) { visit(f.Type) })
	}
	for _, r := range Routes {
		for _, t := range []reflect.Type{r.Body, r.Query, r.Answer} {
			if t != nil {
				visit(t)
			}
		}
	}
	for _, t := range order {
		if err := w.iface(&b, routeTypeNames[t], t, ""); err != nil {
			return "", err
		}
		b.WriteString("\n")
	}

	b.WriteString("/** Every call of the typed client: its method and path ({name}: a parameter). */\n")
	b.WriteString("export const routes = {\n")
	for _, r := range Routes {
		writeDoc(&b, "  ", r.Doc+" Auth: "+r.Auth+".")
		fmt.Fprintf(&b, "  %s: { method: %s, path: %s },\n", r.Name, quote(r.Method), quote(r.Path))
	}
	b.WriteString("} as const;\n\n")
	b.WriteString("export type RouteName = keyof typeof routes;\n\n")

	b.WriteString("/** The path parameters, body, query and 200 answer of each call (undefined: none; void: 204). */\n")
	b.WriteString("export interface RouteTypes {\n")
	for _, r := range Routes {
		params := "undefined"
		if ps := PathParams(r.Path); len(ps) > 0 {
			parts := make([]string, len(ps))
			for i, p := range ps {
				parts[i] = p + ": string"
			}
			params = "{ " + strings.Join(parts, "; ") + " }"
		}
		name := func(t reflect.Type) string {
			if t == nil {
				return "undefined"
			}
			return routeTypeNames[t]
		}
		answer := "void"
		switch {
		case r.Answer != nil:
			answer = routeTypeNames[r.Answer]
		case r.AnswerRecord != "":
			answer = RecordTypeName(r.AnswerRecord)
		}
		fmt.Fprintf(&b, "  %s: { params: %s; body: %s; query: %s; answer: %s };\n",
			r.Name, params, name(r.Body), name(r.Query), answer)
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// walkFields calls fn for every field of a struct, embedded structs'
// fields included.
func walkFields(t reflect.Type, fn func(reflect.StructField)) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
			walkFields(f.Type, fn)
			continue
		}
		fn(f)
	}
}
