package collections

import (
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// DuplicateKeyMark separates a nickname key from the member id in the key
// RekeyNicknames gives the newer of two active members whose nicknames
// came to share a key. No nickname key contains it (names.Key drops
// noncharacters), so such a key never equals a real one.
const DuplicateKeyMark = "\uFFFF"

// DuplicateKey is the nickname key of a member that keeps a nickname
// another active member of its circle held first (see RekeyNicknames).
func DuplicateKey(key, memberId string) string {
	return key + DuplicateKeyMark + memberId
}

// IsDuplicateKeyOf reports whether stored is DuplicateKey(key, …).
func IsDuplicateKeyOf(stored, key string) bool {
	return strings.HasPrefix(stored, key+DuplicateKeyMark)
}

type memberKeyRow struct {
	Id       string `db:"id"`
	Circle   string `db:"circle"`
	Nickname string `db:"nickname"`
	Active   bool   `db:"is_active"`
}

// RekeyNicknames stores key(nickname) in every members row's nickname_key,
// for a change of the key function. Within a circle the active members are
// taken by join time (then id): when a later one's new key equals an
// earlier one's, the earlier keeps the key and the later gets
// DuplicateKey(key, its id) — it keeps its nickname, nobody else can take
// that nickname, and it must pick another one when it renames or rejoins.
// Plain SQL, no hooks; returns how many rows got a duplicate key.
func RekeyNicknames(app core.App, key func(string) string) (duplicates int, err error) {
	var rows []memberKeyRow
	err = app.DB().Select("id", FieldMemberCircle, FieldMemberNickname, FieldMemberIsActive).From(Members).
		OrderBy(FieldMemberCircle, FieldMemberJoined, "id").All(&rows)
	if err != nil {
		return 0, err
	}
	// first move every key out of the way, so no intermediate state of the
	// updates below can trip the unique index
	if _, err := app.DB().NewQuery(
		"UPDATE {{" + Members + "}} SET [[" + FieldMemberNicknameKey + "]] = {:mark} || [[id]]",
	).Bind(dbx.Params{"mark": DuplicateKeyMark}).Execute(); err != nil {
		return 0, err
	}

	held := map[[2]string]bool{} // (circle, key) of active members
	for _, r := range rows {
		k := key(r.Nickname)
		if r.Active {
			if held[[2]string{r.Circle, k}] {
				k = DuplicateKey(k, r.Id)
				duplicates++
			} else {
				held[[2]string{r.Circle, k}] = true
			}
		}
		if _, err := app.DB().Update(Members, dbx.Params{FieldMemberNicknameKey: k}, dbx.HashExp{"id": r.Id}).Execute(); err != nil {
			return duplicates, err
		}
	}
	return duplicates, nil
}
