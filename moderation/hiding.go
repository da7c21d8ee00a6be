package moderation

import (
	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// maskHidden shows hidden members and circles to users the way API.md §10
// says: hidden true, collections.HiddenMemberNickname (or
// HiddenCircleName) and no file. It runs for every record answer of the
// collection API, for expanded relations and for realtime events. Options
// carry their member's hidden flag and, when it is set, the hidden text
// instead of their nickname snapshot.
//
// Superusers (the dashboard, the moderation queue) see the real values.
// Everyone else sees the hidden form, the hidden member itself included.
//
// The record is the answer's own copy (a fresh read, or realtime's clean
// copy); nothing saves it after this.
func maskHidden(e *core.RecordEnrichEvent) error {
	superuser := e.RequestInfo != nil && e.RequestInfo.HasSuperuserAuth()
	switch e.Record.Collection().Name {
	case collections.Members:
		m := collections.AsMember(e.Record)
		if m.Hidden() && !superuser {
			m.SetNickname(collections.HiddenMemberNickname)
			m.Set(collections.FieldMemberAvatar, "")
		}
	case collections.Circles:
		c := collections.AsCircle(e.Record)
		if c.Hidden() && !superuser {
			c.SetName(collections.HiddenCircleName)
			c.Set(collections.FieldCircleImage, "")
		}
	case collections.Options:
		o := collections.AsOption(e.Record)
		hidden, err := collections.HiddenMembers(e.App, []string{o.Member()})
		if err != nil {
			return err
		}
		e.Record.WithCustomData(true)
		e.Record.Set(collections.FieldHidden, hidden[o.Member()])
		if hidden[o.Member()] && !superuser {
			o.SetNickname(collections.HiddenMemberNickname)
		}
	}
	return e.Next()
}

// refuseHiddenFile answers 404 to a download of a hidden member's avatar or
// a hidden circle's image, except for superusers (signed in, or with a
// superuser's file token).
func refuseHiddenFile(e *core.FileDownloadRequestEvent) error {
	if e.Record.GetBool(collections.FieldHidden) && !superuserDownload(e) {
		return e.NotFoundError("", nil)
	}
	return e.Next()
}

func superuserDownload(e *core.FileDownloadRequestEvent) bool {
	if e.HasSuperuserAuth() {
		return true
	}
	token := e.Request.URL.Query().Get("token")
	if token == "" {
		return false
	}
	auth, err := e.App.FindAuthRecordByToken(token, core.TokenTypeFile)
	return err == nil && auth.IsSuperuser()
}
