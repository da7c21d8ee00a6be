// Package collections defines Circly's schema as plain Go: one file per
// collection with its fields, indexes and API rules, so the whole data model
// can be reviewed in one place. The migrations in pb_migrations call these
// functions; nothing else should create or alter Circly's collections.
//
// A note on the rule strings: PocketBase checks list/view rules for reads and
// for realtime events alike, so "who can see a row" is decided here once.
package collections

import (
	"fmt"
	"reflect"

	"github.com/pocketbase/pocketbase/core"
)

// Collection names. Hooks and tests use these constants, never string literals.
const (
	Users         = "users"
	Circles       = "circles"
	Members       = "members"
	Templates     = "templates"
	Polls         = "polls"
	Options       = "options"
	Votes         = "votes"
	Electors      = "electors"
	Notifications = "notifications"
	// account continuity (API.md §11)
	AccountCodes   = "account_codes"
	RetiredDevices = "retired_devices"
	// safety (API.md §10)
	Reports      = "reports"
	BlockedWords = "blocked_words"
	Blocks       = "blocks"
	// operators (API.md §12)
	PushCopy = "push_copy"
)

// Stable collection ids, so relations and migrations do not depend on lookups.
const (
	UsersId         = "_pb_users_auth_" // PocketBase's default users collection, reshaped
	CirclesId       = "circly_circles"
	MembersId       = "circly_members"
	TemplatesId     = "circly_templates"
	PollsId         = "circly_polls"
	OptionsId       = "circly_options"
	VotesId         = "circly_votes"
	ElectorsId      = "circly_electors"
	NotificationsId = "circly_notifications"
	// account continuity (API.md §11)
	AccountCodesId   = "circly_account_codes"
	RetiredDevicesId = "circly_retired_devices"
	// safety (API.md §10)
	ReportsId      = "circly_reports"
	BlockedWordsId = "circly_blocked_words"
	BlocksId       = "circly_blocks"
	// operators (API.md §12)
	PushCopyId = "circly_push_copy"
)

// All lists every Circly collection name in creation order. The authorization
// matrix test iterates it, so a collection added without a row there fails.
var All = []string{Users, Circles, Members, Templates, Polls, Options, Votes, Electors, Notifications,
	AccountCodes, RetiredDevices, Reports, BlockedWords, Blocks, PushCopy}

// activeMemberOf returns a rule fragment that holds when the requesting user
// has an active membership in the circle named by circleExpr (a field path of
// the collection the rule belongs to, e.g. "id" or "circle" or "poll.circle").
//
// The membership conditions share one join alias ("me"), so they must hold for the
// same members row: a user who is active in circle A and a former member of
// circle B is not let into B.
func activeMemberOf(circleExpr string) string {
	return `@request.auth.id != "" && @request.auth.is_active = true && ` +
		`@collection.members:me.circle ?= ` + circleExpr + ` && ` +
		`@collection.members:me.user ?= @request.auth.id && ` +
		`@collection.members:me.is_active ?= true`
}

// pollReader returns a rule fragment that holds when the requesting user
// may read a poll (API.md §6): an active member of the poll's circle, or a
// user in the poll's electorate (the electors rows fixed when the poll was
// made), so a voter who has left keeps reading its polls. circleExpr names
// the poll's circle and pollExpr the poll itself, as field paths of the
// collection the rule belongs to ("circle" and "" on polls, "poll.circle"
// and "poll." on options).
//
// Why not "(active member) || (@collection.electors:el.poll ?= id && …)":
// PocketBase joins every @collection alias to the whole table without an ON
// clause, and with the two joins on the two sides of an OR, SQLite can no
// longer narrow either by the WHERE clause: a list becomes polls × members ×
// electors. Measured with 400 circles (4,000 polls, 40,000 electors) the
// polls list ran into PocketBase's query timeout (400 after 30 s), where the
// member-only rule answered in 15 ms. So the rule keeps one members row as
// the anchor and widens only its is_active condition:
//
//   - the membership conditions share one join alias ("me"), as in
//     activeMemberOf, and hold for one row: the caller's members row of the
//     poll's circle;
//   - that row is active, or the caller is one of the poll's electors, read
//     through the electors_via_poll back-relation, which PocketBase joins ON
//     electors.poll = polls.id (at most a circle's worth of rows per poll).
//
// This relies on an invariant: everyone in a poll's electorate has a
// members row in its circle. Electors are made from the circle's active
// members (InsertElectorate), and members rows are never deleted: leaving,
// removal, account and circle deletion make them inactive (a user's own
// deletion also deletes its electors rows). Only a superuser deleting a
// members row in the dashboard breaks it, and then the rule fails closed.
func pollReader(circleExpr, pollExpr string) string {
	return `@request.auth.id != "" && @request.auth.is_active = true && ` +
		`@collection.members:me.circle ?= ` + circleExpr + ` && ` +
		`@collection.members:me.user ?= @request.auth.id && ` +
		`(@collection.members:me.is_active ?= true || ` + pollExpr + `electors_via_poll.user ?= @request.auth.id)`
}

// pollsReadRule and optionsReadRule are the read rules of polls and
// options (ApplyPollReaders, ApplyOptionReaders, IsReaderRule).
var (
	pollsReadRule   = pollReader("circle", "")
	optionsReadRule = pollReader("poll.circle", "poll.")
)

// signedInUser holds for any active, authenticated record of the users
// collection.
//
// Why is_active is in the rules although a middleware already refuses
// disabled users' requests: realtime subscriptions made before an operator
// disabled the account stay open, and PocketBase checks each event against
// the rules with the subscriber's (refreshed) auth record.
const signedInUser = `@request.auth.id != "" && @request.auth.collectionName = "users" && @request.auth.is_active = true`

func ptr(s string) *string { return &s }

func floatPtr(f float64) *float64 { return &f }

// imageMimeTypes are the only uploads Circly accepts for pictures.
var imageMimeTypes = []string{"image/jpeg", "image/png"}

// maxImageSize is the upper bound of circle images and member avatars (10 MB).
const maxImageSize = 10 << 20

// imageThumbs are the thumbnail sizes the app asks for (?thumb=100x100).
var imageThumbs = []string{"100x100", "300x300"}

// autodates adds the usual created/updated fields.
// superusersOnly leaves every API rule of c empty: only superusers (the
// dashboard) list, view, create, update or delete its records.
func superusersOnly(c *core.Collection) {
	c.ListRule = nil
	c.ViewRule = nil
	c.CreateRule = nil
	c.UpdateRule = nil
	c.DeleteRule = nil
}

func autodates(c *core.Collection) {
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.Fields.Add(&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true})
}

// SyncFields copies the named fields of definition (a New* collection) onto
// the stored collection of the same name and saves it: a field that exists
// is replaced in place (keeping its id), a missing one is appended. Rules,
// indexes and other fields are left as stored. Migrations that add or
// change fields use it, so the field is defined once, here.
func SyncFields(app core.App, definition *core.Collection, names ...string) error {
	stored, err := app.FindCollectionByNameOrId(definition.Name)
	if err != nil {
		return err
	}
	for _, name := range names {
		f := definition.Fields.GetByName(name)
		if f == nil {
			return fmt.Errorf("collection %s defines no field %q", definition.Name, name)
		}
		stored.Fields.Add(f)
	}
	return app.Save(stored)
}

// DropFields removes the named fields from a stored collection and saves
// it (the down step of a migration that added them).
func DropFields(app core.App, collection string, names ...string) error {
	stored, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		return err
	}
	for _, name := range names {
		stored.Fields.RemoveByName(name)
	}
	return app.Save(stored)
}

// SyncHelp copies the help texts and the presentable flags of every field
// of the definitions (New* collections) onto the stored collections of the
// same names, field by field, and saves them. Fields, rules and indexes
// stay as stored.
func SyncHelp(app core.App, definitions ...*core.Collection) error {
	for _, def := range definitions {
		stored, err := app.FindCollectionByNameOrId(def.Name)
		if err != nil {
			return err
		}
		for _, f := range def.Fields {
			if s := stored.Fields.GetByName(f.GetName()); s != nil {
				copyFieldText(s, f)
			}
		}
		if err := app.Save(stored); err != nil {
			return err
		}
	}
	return nil
}

// SyncUsersHelp sets the help texts of the stored users collection.
func SyncUsersHelp(app core.App) error {
	def := core.NewAuthCollection(Users)
	ApplyUsers(def)
	return SyncHelp(app, def)
}

// copyFieldText copies the Help string and the Presentable flag of from
// onto to (PocketBase's field types each declare their own; a type
// without one is skipped).
func copyFieldText(to, from core.Field) {
	dst, src := reflect.ValueOf(to).Elem(), reflect.ValueOf(from).Elem()
	for _, name := range []string{"Help", "Presentable"} {
		d, s := dst.FieldByName(name), src.FieldByName(name)
		if d.IsValid() && s.IsValid() && d.CanSet() && d.Type() == s.Type() {
			d.Set(s)
		}
	}
}

// ApplyVoteCreateRule leaves the votes create rule empty: PocketBase then
// runs no rule query before the votes create hook, which decides alone.
//
// Why: the rule it replaces (signedInUser) asked nothing the requests of
// a vote do not already refuse before any vote is written: no auth → 401
// (auth's middleware for creates and request.RequireUser in the hook), a
// disabled user → 403 (auth's middleware on every route), a superuser or
// any other auth record → 403 (request.RequireUser); and the hook never
// hands the request to PocketBase's generic create, it writes the vote
// through the ballot box or refuses it. PocketBase builds that rule query
// anew for every create (a CTE with a random name, so no statement is
// reused): a quarter of a vote's CPU. An operator who sets a rule here
// still has it run before the hook. Migration 1764201614 applies it.
func ApplyVoteCreateRule(c *core.Collection) {
	if c.Name == Votes {
		c.CreateRule = ptr("")
	}
}

// ApplySignedInVoteCreateRule sets the votes create rule that
// ApplyVoteCreateRule replaced (the down step of migration 1764201614).
func ApplySignedInVoteCreateRule(c *core.Collection) {
	if c.Name == Votes {
		c.CreateRule = ptr(signedInUser)
	}
}

// ApplyMemberWriteRules sets the update rule of circles and members, and
// the delete rule of circles, to "an active member of the circle": the
// callers who can see the record. Who among them may write it (the
// circle's creator; the member itself) is checked by the circles
// package's request hooks, which answer 403 naming who may, while a
// caller who cannot see the record gets the rule's 404 (docs/API.md,
// "Who may: 403 or 404"). Migration 1764201613 applies it to stored
// collections.
func ApplyMemberWriteRules(c *core.Collection) {
	switch c.Name {
	case Circles:
		member := `is_active = true && ` + activeMemberOf("id")
		c.UpdateRule = ptr(member)
		c.DeleteRule = ptr(member)
	case Members:
		c.UpdateRule = ptr(activeMemberOf("circle"))
	}
}

// ApplyOwnerWriteRules sets the rules ApplyMemberWriteRules replaced, which
// kept everyone but the owner out with a 404 (the down step of migration
// 1764201613).
func ApplyOwnerWriteRules(c *core.Collection) {
	switch c.Name {
	case Circles:
		c.UpdateRule = ptr(`is_active = true && creator = @request.auth.id && ` + activeMemberOf("id"))
		c.DeleteRule = ptr(`is_active = true && creator = @request.auth.id`)
	case Members:
		c.UpdateRule = ptr(`user = @request.auth.id && is_active = true && ` + activeMemberOf("circle"))
	}
}
