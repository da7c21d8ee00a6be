package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"circly/auth"
	"circly/circlytest"
	"circly/collections"
	"circly/server"
)

// Account continuity (API.md §11) in the authorization matrix: the rows of
// account_codes and retired_devices the matrix targets (made on first use
// in each world), and the four routes for every role.

// matrixAccountCode returns the member's transfer code row, making it the
// first time it is asked for in a world.
func matrixAccountCode(w *matrixWorld) *core.Record {
	member := w.users[roleMember].Id
	r, err := w.app.FindFirstRecordByFilter(collections.AccountCodes, "user = {:u}", dbx.Params{"u": member})
	if err == nil {
		return r
	}
	if _, _, err := server.Of(w.app).Auth.NewTransferCode(w.app, member); err != nil {
		panic(err)
	}
	r, err = w.app.FindFirstRecordByFilter(collections.AccountCodes, "user = {:u}", dbx.Params{"u": member})
	if err != nil {
		panic(err)
	}
	return r
}

// matrixRetiredDevice returns a retired device row, making it the first
// time it is asked for in a world.
func matrixRetiredDevice(w *matrixWorld) *core.Record {
	hash := strings.Repeat("c", 64)
	r, err := w.app.FindFirstRecordByData(collections.RetiredDevices, collections.FieldRetiredDeviceIdHash, hash)
	if err == nil {
		return r
	}
	if err := collections.RetireDevice(w.app, hash); err != nil {
		panic(err)
	}
	r, err = w.app.FindFirstRecordByData(collections.RetiredDevices, collections.FieldRetiredDeviceIdHash, hash)
	if err != nil {
		panic(err)
	}
	return r
}

// TestAuthorizationContinuityRoutes: making a transfer or recovery code
// takes a signed-in, active app user (anonymous 401, disabled 403, a
// superuser 403: it has no device to move); redeeming and recovering take
// no sign-in, and a made-up code moves nobody, whoever asks.
func TestAuthorizationContinuityRoutes(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t)
	h := circlytest.Handler(t, w.app)

	want := map[string]int{
		roleAnonymous:   401,
		roleStranger:    200,
		roleOtherMember: 200,
		roleMember:      200,
		roleCreator:     200,
		roleFormer:      200,
		roleDisabled:    403,
		roleSuperuser:   403,
	}
	for _, path := range []string{auth.TransferPath, auth.RecoveryPath} {
		for _, role := range allRoles {
			status, body := call(t, h, "POST", path, w.tokens[role], nil)
			if status != want[role] {
				t.Errorf("%s as %s: %d %v, want %d", path, role, status, body, want[role])
			}
			if status == 200 {
				if _, ok := body["code"]; !ok && path == auth.TransferPath {
					t.Errorf("%s as %s: no code in %v", path, role, body)
				}
			}
		}
	}
	// every app user made one code of each kind; nobody else did
	codes, err := w.app.FindAllRecords(collections.AccountCodes)
	if err != nil {
		t.Fatal(err)
	}
	var owners []string
	for _, c := range codes {
		owners = append(owners, collections.AsAccountCode(c).User()+"/"+collections.AsAccountCode(c).Kind())
	}
	for _, role := range allRoles {
		for _, kind := range []string{collections.CodeKindTransfer, collections.CodeKindRecovery} {
			u := w.users[role]
			has := u != nil && slices.Contains(owners, u.Id+"/"+kind)
			if has != (want[role] == 200) {
				t.Errorf("%s has a %s code: %v", role, kind, has)
			}
		}
	}

	device := func(role string) map[string]any {
		return map[string]any{"device_id": "authz-" + role + "-phone", "device_secret": strings.Repeat("s", 40)}
	}
	// a different made-up code for each role: one code value gets only
	// auth.CodeAttemptsPerWindow tries
	for i, role := range allRoles {
		body := device(role)
		body["code"] = "ABCDEFGHJ" + string(collections.InviteCodeAlphabet[i])
		if status, res := call(t, h, "POST", auth.TransferRedeemPath, w.tokens[role], body); status != 404 && !(role == roleDisabled && status == 403) {
			t.Errorf("redeem a made-up code as %s: %d %v", role, status, res)
		}
		body = device(role)
		body["recovery_code"] = strings.Repeat("ABCD", 5) + "ABC" + string(collections.InviteCodeAlphabet[i])
		if status, res := call(t, h, "POST", auth.RecoverPath, w.tokens[role], body); status != 401 && !(role == roleDisabled && status == 403) {
			t.Errorf("recover with a made-up code as %s: %d %v", role, status, res)
		}
	}
	// and the member's real transfer code moves the member, whoever sends it
	status, body := call(t, h, "POST", auth.TransferPath, w.tokens[roleMember], nil)
	if status != 200 {
		t.Fatalf("transfer: %d %v", status, body)
	}
	redeem := device("member-new")
	redeem["code"] = body["code"]
	status, body = call(t, h, "POST", auth.TransferRedeemPath, w.tokens[roleStranger], redeem)
	if status != 200 || body["record"].(map[string]any)["id"] != w.users[roleMember].Id {
		t.Fatalf("redeem with a stranger's token: %d %v", status, body)
	}
	if status, _ := call(t, h, "GET", "/api/collections/circles/records/"+w.circle.Id, w.tokens[roleMember], nil); status != 404 {
		t.Fatalf("the member's old token reads its circle: %d", status)
	}
	if status, _ := call(t, h, "GET", "/api/collections/circles/records/"+w.circle.Id, body["token"].(string), nil); status != 200 {
		t.Fatalf("the member's new token does not read its circle: %d", status)
	}
}
