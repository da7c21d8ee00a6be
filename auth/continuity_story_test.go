package auth_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"circly/auth"
	"circly/circlytest"
	"circly/collections"
)

// phone is one device of the story: its credentials and its current token.
type phone struct {
	deviceId, secret, token string
}

func (p *phone) login(t *testing.T, h http.Handler) (int, map[string]any) {
	t.Helper()
	status, body := circlytest.Call(t, h, "POST", auth.DeviceAuthPath, "", map[string]any{"device_id": p.deviceId, "device_secret": p.secret})
	if status == 200 {
		p.token = body["token"].(string)
	}
	return status, body
}

func recordId(body map[string]any) string {
	r, _ := body["record"].(map[string]any)
	id, _ := r["id"].(string)
	return id
}

// TestMoveAccountStory follows one account across three phones: a transfer
// from a phone in hand to a new one (which had already signed in at first
// launch), then a recovery onto a third phone after the second is lost.
// After each move the account has the same id and its circle, and the
// phone before is out: its login is a 401, its token refreshes to a 401 and
// reads nothing, its realtime connection is no longer signed in, and the
// code used is gone.
func TestMoveAccountStory(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	app.Settings().RateLimits.Enabled = false
	h := circlytest.Handler(t, app)

	old := &phone{deviceId: "story-old-phone", secret: strings.Repeat("a", 40)}
	if status, body := old.login(t, h); status != 200 {
		t.Fatalf("old phone login: %d %v", status, body)
	}
	userId := ""
	{
		_, body := old.login(t, h)
		userId = recordId(body)
	}
	user, err := app.FindRecordById(collections.Users, userId)
	if err != nil {
		t.Fatal(err)
	}
	circle, _ := circlytest.CreateCircle(t, app, user, "mover")
	realtime := subscribeAs(app, user, collections.Circles+"/*")

	// the new phone signs in at first launch: a fresh account of its own
	second := &phone{deviceId: "story-new-phone", secret: strings.Repeat("b", 40)}
	status, body := second.login(t, h)
	if status != 200 || body["meta"].(map[string]any)["created"] != true {
		t.Fatalf("new phone login: %d %v", status, body)
	}
	freshId := recordId(body)

	// the old phone shows a transfer code, the new phone redeems it
	status, body = circlytest.Call(t, h, "POST", auth.TransferPath, old.token, nil)
	if status != 200 {
		t.Fatalf("transfer: %d %v", status, body)
	}
	code := body["code"].(string)
	status, body = circlytest.Call(t, h, "POST", auth.RecoveryPath, old.token, nil)
	if status != 200 {
		t.Fatalf("recovery: %d %v", status, body)
	}
	firstRecovery := body["recovery_code"].(string)
	expectNotStored(t, app, code, firstRecovery, auth.NormalizeCode(firstRecovery))

	status, body = circlytest.Call(t, h, "POST", auth.TransferRedeemPath, "", map[string]any{
		"code": code, "device_id": second.deviceId, "device_secret": second.secret,
	})
	if status != 200 || recordId(body) != userId {
		t.Fatalf("redeem: %d %v, want the user %s", status, body, userId)
	}
	second.token = body["token"].(string)
	if _, err := app.FindRecordById(collections.Users, freshId); err == nil {
		t.Fatal("the new phone's fresh account still exists")
	}
	if realtime.Get(apis.RealtimeClientAuthKey) != nil {
		t.Fatal("the old phone's realtime connection is still signed in")
	}
	expectRevoked(t, h, old, userId, circle.Id)
	expectSees(t, h, second, userId, circle.Id)

	// the code is used up
	status, _ = circlytest.Call(t, h, "POST", auth.TransferRedeemPath, "", map[string]any{
		"code": code, "device_id": "story-other-phone", "device_secret": strings.Repeat("x", 40),
	})
	if status != 404 {
		t.Fatalf("a used code: %d, want 404", status)
	}

	// the second phone is lost; the user kept a recovery code (made anew
	// on the second phone, replacing the first)
	rec := circlytest.Do(h, circlytest.Request{Method: "POST", URL: auth.RecoveryPath, Token: second.token})
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("recovery: %d %q %s", rec.Code, rec.Header().Get("Cache-Control"), rec.Body.String())
	}
	recovery := strings.Split(strings.Split(rec.Body.String(), `"recovery_code":"`)[1], `"`)[0]
	expectNotStored(t, app, recovery, auth.NormalizeCode(recovery))

	third := &phone{deviceId: "story-third-phone", secret: strings.Repeat("c", 40)}
	status, _ = circlytest.Call(t, h, "POST", auth.RecoverPath, "", map[string]any{
		"recovery_code": firstRecovery, "device_id": third.deviceId, "device_secret": third.secret,
	})
	if status != 401 {
		t.Fatalf("the replaced recovery code: %d, want 401", status)
	}
	status, body = circlytest.Call(t, h, "POST", auth.RecoverPath, "", map[string]any{
		"recovery_code": recovery, "device_id": third.deviceId, "device_secret": third.secret,
	})
	if status != 200 || recordId(body) != userId {
		t.Fatalf("recover: %d %v, want the user %s", status, body, userId)
	}
	third.token = body["token"].(string)
	expectRevoked(t, h, second, userId, circle.Id)
	expectRevoked(t, h, old, userId, circle.Id)
	expectSees(t, h, third, userId, circle.Id)

	status, _ = circlytest.Call(t, h, "POST", auth.RecoverPath, "", map[string]any{
		"recovery_code": recovery, "device_id": "story-fourth-phone", "device_secret": strings.Repeat("d", 40),
	})
	if status != 401 {
		t.Fatalf("a used recovery code: %d, want 401", status)
	}
	if n, _ := app.CountRecords(collections.Users); n != 1 {
		t.Fatalf("%d users after the moves, want 1", n)
	}
}

// subscribeAs registers a realtime client signed in as user.
func subscribeAs(app *tests.TestApp, user *core.Record, topics ...string) *subscriptions.DefaultClient {
	c := subscriptions.NewDefaultClient()
	c.Set(apis.RealtimeClientAuthKey, user)
	c.Subscribe(topics...)
	app.SubscriptionsBroker().Register(c)
	return c
}

// expectRevoked: the phone's device login is a 401, its token refreshes to
// a 401, and with it the user's record and circle read as nothing.
func expectRevoked(t *testing.T, h http.Handler, p *phone, userId, circleId string) {
	t.Helper()
	token := p.token
	if status, body := p.login(t, h); status != 401 {
		t.Fatalf("%s login: %d %v, want 401", p.deviceId, status, body)
	}
	if status, body := circlytest.Call(t, h, "POST", "/api/collections/users/auth-refresh", token, nil); status != 401 {
		t.Fatalf("%s authRefresh: %d %v, want 401", p.deviceId, status, body)
	}
	if status, body := circlytest.Call(t, h, "GET", "/api/collections/users/records/"+userId, token, nil); status != 404 {
		t.Fatalf("%s reads its user: %d %v, want 404", p.deviceId, status, body)
	}
	status, body := circlytest.Call(t, h, "GET", "/api/collections/circles/records", token, nil)
	if status != 200 || body["totalItems"].(float64) != 0 || strings.Contains(fmt.Sprint(body), circleId) {
		t.Fatalf("%s lists circles: %d %v, want nothing", p.deviceId, status, body)
	}
}

// expectSees: the phone's token reads the user and its circle.
func expectSees(t *testing.T, h http.Handler, p *phone, userId, circleId string) {
	t.Helper()
	if status, body := circlytest.Call(t, h, "GET", "/api/collections/users/records/"+userId, p.token, nil); status != 200 || body["device_id"] != p.deviceId {
		t.Fatalf("%s reads its user: %d %v", p.deviceId, status, body)
	}
	status, body := circlytest.Call(t, h, "GET", "/api/collections/circles/records", p.token, nil)
	if status != 200 || !strings.Contains(fmt.Sprint(body), circleId) {
		t.Fatalf("%s lists circles: %d %v, want its circle", p.deviceId, status, body)
	}
	if status, body := circlytest.Call(t, h, "POST", "/api/collections/users/auth-refresh", p.token, nil); status != 200 {
		t.Fatalf("%s authRefresh: %d %v", p.deviceId, status, body)
	}
}

// expectNotStored checks that no file of the data dir (the databases and
// their WAL files) holds any of the codes, and neither does the account_codes
// table or the users row.
func expectNotStored(t *testing.T, app *tests.TestApp, codes ...string) {
	t.Helper()
	err := filepath.WalkDir(app.DataDir(), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range codes {
			if bytes.Contains(raw, []byte(c)) {
				t.Errorf("%s holds the code %q in plaintext", filepath.Base(path), c)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := app.FindAllRecords(collections.AccountCodes)
	if err != nil || len(rows) == 0 {
		t.Fatalf("no stored codes to look at: %v", err)
	}
	users, _ := app.FindAllRecords(collections.Users)
	for _, r := range append(rows, users...) {
		raw, _ := r.MarshalJSON()
		all := fmt.Sprint(r.FieldsData()) + string(raw)
		for _, c := range codes {
			if strings.Contains(all, c) {
				t.Errorf("a %s row holds the code %q", r.Collection().Name, c)
			}
		}
	}
}
