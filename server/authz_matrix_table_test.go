package server_test

import (
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// crud is what each role may do with one collection. list/view name the
// roles that see the target record; the others get an empty list or a 4xx.
type crud struct {
	list, view, create, update, del []string
	target                          func(w *matrixWorld) *core.Record
	createBody                      func(w *matrixWorld, role string) map[string]any
	updateBody                      func(w *matrixWorld) map[string]any
}

func roles(r ...string) []string { return r }

var matrix = map[string]crud{
	collections.Users: {
		list:   roles(roleSuperuser),
		view:   roles(roleMember, roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleMember, roleSuperuser),
		del:    roles(roleMember, roleSuperuser),
		target: func(w *matrixWorld) *core.Record { return w.users[roleMember] },
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"device_id": "matrix-" + role + "-1", "password": "1234567890", "passwordConfirm": "1234567890", "is_active": true}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"push_token": "ExponentPushToken[matrix]"} },
	},
	collections.Circles: {
		list: roles(roleMember, roleCreator, roleSuperuser),
		view: roles(roleMember, roleCreator, roleSuperuser),
		// a superuser's create (dashboard) makes a bare, inactive circle
		create: roles(roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer, roleSuperuser),
		update: roles(roleCreator, roleSuperuser),
		del:    roles(roleCreator, roleSuperuser),
		target: func(w *matrixWorld) *core.Record { return w.circle },
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"name": "new " + role, "nickname": "me"}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"name": "renamed"} },
	},
	collections.Members: {
		list:   roles(roleMember, roleCreator, roleSuperuser),
		view:   roles(roleMember, roleCreator, roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleMember, roleSuperuser),
		del:    roles(roleSuperuser),
		target: func(w *matrixWorld) *core.Record { return w.members[roleMember] },
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"circle": w.circle.Id, "user": w.users[roleStranger].Id, "nickname": "added", "is_active": true}
		},
		// muted (API.md §9) is the member's own switch, like its nickname
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"nickname": "renamed", "muted": true} },
	},
	collections.Templates: {
		list:   roles(roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer, roleSuperuser),
		view:   roles(roleStranger, roleOtherMember, roleMember, roleCreator, roleFormer, roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		target: func(w *matrixWorld) *core.Record { return w.template },
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"question_text": "새 질문 " + role + "?", "category": "fun", "is_active": true}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"question_text": "고친 질문?"} },
	},
	// API.md §6: the circle's members and the poll's electorate (former)
	collections.Polls: {
		list:   roles(roleMember, roleCreator, roleFormer, roleSuperuser),
		view:   roles(roleMember, roleCreator, roleFormer, roleSuperuser),
		create: roles(roleMember, roleCreator),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		target: func(w *matrixWorld) *core.Record { return w.poll },
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"circle": w.circle.Id, "template": w.template.Id, "deadline": dt(time.Hour)}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"question_text": "changed?"} },
	},
	collections.Options: {
		list:   roles(roleMember, roleCreator, roleFormer, roleSuperuser),
		view:   roles(roleMember, roleCreator, roleFormer, roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		target: func(w *matrixWorld) *core.Record { return w.options[roleMember] },
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"poll": w.poll.Id, "nickname": "extra", "order": 9}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"nickname": "changed"} },
	},
	collections.Votes: {
		list:   roles(roleSuperuser),
		view:   roles(roleSuperuser),
		create: roles(roleMember, roleCreator),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		target: func(w *matrixWorld) *core.Record { return w.vote },
		createBody: func(w *matrixWorld, role string) map[string]any {
			// an option that is not the caller's own
			option := w.options["member2"]
			if role == "member2" {
				option = w.options[roleMember]
			}
			return map[string]any{"poll": w.poll.Id, "option": option.Id}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"option": w.options[roleMember].Id} },
	},
	collections.Electors: {
		list:   roles(roleSuperuser),
		view:   roles(roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		target: func(w *matrixWorld) *core.Record { return w.elector },
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"poll": w.poll.Id, "user": w.users[roleStranger].Id}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"user": w.users[roleStranger].Id} },
	},
	// API.md §12: the dispatcher writes the outbox (app.Save, no request);
	// requests of anyone, superusers included, are refused, and deleting a
	// row of an open poll too (the world's poll is open; package dashboard
	// tests the delete after the close)
	collections.Notifications: {
		list:   roles(roleSuperuser),
		view:   roles(roleSuperuser),
		create: roles(),
		update: roles(),
		del:    roles(),
		target: func(w *matrixWorld) *core.Record { return w.notification },
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"poll": w.poll.Id, "kind": collections.KindResults, "status": collections.NotificationPending, "due_at": dt(time.Hour)}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"last_error": "x"} },
	},
	// API.md §11: code hashes and retired device ids are the server's
	collections.AccountCodes: {
		list:   roles(roleSuperuser),
		view:   roles(roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		target: matrixAccountCode,
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"user": w.users[roleStranger].Id, "kind": collections.CodeKindRecovery, "code_hash": strings.Repeat("b", 64)}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"expires_at": dt(time.Hour)} },
	},
	collections.RetiredDevices: {
		list:   roles(roleSuperuser),
		view:   roles(roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		target: matrixRetiredDevice,
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"device_id_hash": strings.Repeat("d", 64)}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"device_id_hash": strings.Repeat("e", 64)} },
	},
	// API.md §10: the reporter (member) reads its own; the queue is the
	// superuser's; any active member of the target's circle may report
	collections.Reports: {
		list:   roles(roleMember, roleSuperuser),
		view:   roles(roleMember, roleSuperuser),
		create: roles(roleMember, roleCreator, roleSuperuser),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		target: matrixReport,
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"target_type": collections.ReportTargetMember, "target": w.members["member2"].Id, "reason": collections.ReasonSpam}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"status": collections.ReportDismissed} },
	},
	// API.md §10: the blocked words are the operators'
	collections.BlockedWords: {
		list:   roles(roleSuperuser),
		view:   roles(roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		// a word of the seeded starter list
		target: func(w *matrixWorld) *core.Record {
			r, err := w.app.FindFirstRecordByFilter(collections.BlockedWords, "word = 'fuck'")
			if err != nil {
				panic(err)
			}
			return r
		},
		createBody: func(w *matrixWorld, role string) map[string]any {
			return map[string]any{"word": "matrixword" + strings.ReplaceAll(role, "-", ""), "note": "matrix"}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"note": "edited"} },
	},
	// API.md §10: the blocker only (member blocks member2); nobody updates
	collections.Blocks: {
		list:   roles(roleMember, roleSuperuser),
		view:   roles(roleMember, roleSuperuser),
		create: roles(roleMember, roleCreator, roleSuperuser), // member: its existing block again (200)
		update: roles(roleSuperuser),
		del:    roles(roleMember, roleSuperuser),
		target: matrixBlock,
		createBody: func(w *matrixWorld, role string) map[string]any {
			body := map[string]any{"blocked_member": w.members["member2"].Id}
			if role == roleSuperuser { // the dashboard writes rows as they are
				body["blocker"] = w.users[roleStranger].Id
			}
			return body
		},
		updateBody: func(w *matrixWorld) map[string]any {
			return map[string]any{"blocked_member": w.members[roleCreator].Id}
		},
	},
	// API.md §12: push copy is the operators'
	collections.PushCopy: {
		list:   roles(roleSuperuser),
		view:   roles(roleSuperuser),
		create: roles(roleSuperuser),
		update: roles(roleSuperuser),
		del:    roles(roleSuperuser),
		// the seeded Korean poll_started copy
		target: func(w *matrixWorld) *core.Record { return matrixPushCopy(w, collections.KindPollStarted) },
		createBody: func(w *matrixWorld, role string) map[string]any {
			if role == roleSuperuser { // every (kind, locale) is seeded: make room for one
				if err := w.app.Delete(matrixPushCopy(w, collections.KindPicked)); err != nil {
					panic(err)
				}
			}
			return map[string]any{"kind": collections.KindPicked, "locale": collections.LocaleKo, "title": "matrix", "body": "{$.poll.question_text}"}
		},
		updateBody: func(w *matrixWorld) map[string]any { return map[string]any{"title": "edited {$.circle.name}"} },
	},
}

// matrixPushCopy is the seeded Korean push_copy row of kind.
func matrixPushCopy(w *matrixWorld, kind string) *core.Record {
	r, err := w.app.FindFirstRecordByFilter(collections.PushCopy, "kind = {:k} && locale = {:l}",
		dbx.Params{"k": kind, "l": collections.LocaleKo})
	if err != nil {
		panic(err)
	}
	return r
}

// matrixBlock is the blocks target of a world: member's block of member2,
// made on first use (newMatrixWorld makes no block).
func matrixBlock(w *matrixWorld) *core.Record {
	existing, err := collections.FindBlock(w.app, w.users[roleMember].Id, w.members["member2"].Id)
	if err != nil {
		panic(err)
	}
	if existing != nil {
		return existing.Record
	}
	col, err := w.app.FindCachedCollectionByNameOrId(collections.Blocks)
	if err != nil {
		panic(err)
	}
	b := collections.AsBlock(core.NewRecord(col))
	b.SetBlocker(w.users[roleMember].Id)
	b.SetBlockedMember(w.members["member2"].Id)
	if err := w.app.Save(b); err != nil {
		panic(err)
	}
	return b.Record
}
