package auth_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/auth"
	"circly/circlytest"
	"circly/collections"
)

// The account continuity routes (API.md §11) as tables: who may make codes,
// what a redeem or recover answers for each kind of code and device, and
// which bodies are refused.

const (
	oldDeviceId = "old-phone-0001"
	oldSecret   = "old-secret-old-secret-old-secret-01"
	newDeviceId = "new-phone-0002"
	newSecret   = "new-secret-new-secret-new-secret-02"
	contentType = "Content-Type"
)

// moveWorld is a user signed in on its old phone, with a transfer code and
// a recovery code, filled in by the scenario's factory.
type moveWorld struct {
	user     *core.Record
	oldToken string
	transfer string
	recovery string
}

// moveScenario builds a scenario over a fresh moveWorld (a pointer: the
// factory fills in the request, which ApiScenario builds after it): setup may change
// the world (it runs after the codes are made), body makes the request body
// and headers from it, and after checks the outcome.
func moveScenario(s tests.ApiScenario,
	setup func(t testing.TB, app *tests.TestApp, w *moveWorld),
	body func(w *moveWorld) (string, map[string]string),
	after func(t testing.TB, app *tests.TestApp, w *moveWorld, res *http.Response),
) *tests.ApiScenario {
	w := &moveWorld{}
	sp := &s
	sp.TestAppFactory = func(t testing.TB) *tests.TestApp {
		app := circlytest.Factory(nil)(t)
		svc := circlytest.Circly(t, app).Auth
		u, _, err := svc.DeviceLogin(app, auth.DeviceCredentials{DeviceId: oldDeviceId, DeviceSecret: oldSecret})
		if err != nil {
			t.Fatal(err)
		}
		w.user = u.Record
		w.oldToken = circlytest.Token(t, u.Record)
		if w.transfer, _, err = svc.NewTransferCode(app, u.Id); err != nil {
			t.Fatal(err)
		}
		if w.recovery, err = svc.NewRecoveryCode(app, u.Id); err != nil {
			t.Fatal(err)
		}
		if setup != nil {
			setup(t, app, w)
		}
		b, headers := body(w)
		sp.Body = strings.NewReader(b)
		sp.Headers = headers
		return app
	}
	if after != nil {
		sp.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) { after(t, app, w, res) }
	}
	return sp
}

func jsonBody(v map[string]any) (string, map[string]string) {
	raw, _ := json.Marshal(v)
	return string(raw), map[string]string{contentType: "application/json"}
}

func asOwner(w *moveWorld) map[string]string { return map[string]string{"Authorization": w.oldToken} }

func redeemBody(code, deviceId, secret string) (string, map[string]string) {
	return jsonBody(map[string]any{"code": code, "device_id": deviceId, "device_secret": secret})
}

func recoverBody(code, deviceId, secret string) (string, map[string]string) {
	return jsonBody(map[string]any{"recovery_code": code, "device_id": deviceId, "device_secret": secret})
}

// expectMoved checks the answer names the same user, now on newDeviceId,
// and the old device id is refused at login.
func expectMoved(t testing.TB, app *tests.TestApp, w *moveWorld, res *http.Response) {
	t.Helper()
	u, err := app.FindRecordById(collections.Users, w.user.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got := collections.AsUser(u).DeviceId(); got != newDeviceId {
		t.Fatalf("device id after the move: %q", got)
	}
	svc := circlytest.Circly(t, app).Auth
	if _, _, err := svc.DeviceLogin(app, auth.DeviceCredentials{DeviceId: oldDeviceId, DeviceSecret: oldSecret}); err != auth.ErrDeviceRetired {
		t.Fatalf("old device login: %v, want ErrDeviceRetired", err)
	}
	if _, err := app.FindAuthRecordByToken(w.oldToken); err == nil {
		t.Fatal("the old token still verifies")
	}
}

// expectUnmoved checks the account is still on the old device.
func expectUnmoved(t testing.TB, app *tests.TestApp, w *moveWorld, res *http.Response) {
	t.Helper()
	u, err := app.FindRecordById(collections.Users, w.user.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got := collections.AsUser(u).DeviceId(); got != oldDeviceId {
		t.Fatalf("device id changed to %q", got)
	}
	if _, err := app.FindAuthRecordByToken(w.oldToken); err != nil {
		t.Fatalf("the old token was revoked: %v", err)
	}
}

// signInNewPhone registers newDeviceId, as the app does at first launch.
func signInNewPhone(t testing.TB, app *tests.TestApp) *collections.User {
	t.Helper()
	u, _, err := circlytest.Circly(t, app).Auth.DeviceLogin(app, auth.DeviceCredentials{DeviceId: newDeviceId, DeviceSecret: newSecret})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func expireTransferCode(t testing.TB, app *tests.TestApp, userId string) {
	t.Helper()
	_, err := app.DB().Update(collections.AccountCodes,
		dbx.Params{collections.FieldAccountCodeExpiresAt: time.Now().Add(-time.Second).UTC().Format("2006-01-02 15:04:05.000Z")},
		dbx.HashExp{collections.FieldAccountCodeUser: userId, collections.FieldAccountCodeKind: collections.CodeKindTransfer}).Execute()
	if err != nil {
		t.Fatal(err)
	}
}

func TestTransferRedeem(t *testing.T) {
	t.Parallel()
	post := tests.ApiScenario{Method: http.MethodPost, URL: auth.TransferRedeemPath}
	with := func(name string, status int, content ...string) tests.ApiScenario {
		s := post
		s.Name, s.ExpectedStatus, s.ExpectedContent = name, status, content
		return s
	}
	scenarios := []*tests.ApiScenario{
		moveScenario(with("a transfer code moves the same user to a device that never signed in", 200,
			`"token":"`, `"created":false`, `"device_id":"`+newDeviceId+`"`),
			nil,
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, newDeviceId, newSecret) },
			func(t testing.TB, app *tests.TestApp, w *moveWorld, res *http.Response) {
				expectMoved(t, app, w, res)
			}),
		moveScenario(with("the code is case-insensitive and ignores spaces and dashes", 200, `"token":"`),
			nil,
			func(w *moveWorld) (string, map[string]string) {
				return redeemBody(" "+strings.ToLower(w.transfer[:5])+"-"+w.transfer[5:]+" ", newDeviceId, newSecret)
			}, expectMoved),
		moveScenario(with("the new phone's fresh account (in no circle) is deleted and its device moves over", 200, `"token":"`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) { signInNewPhone(t, app) },
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, newDeviceId, newSecret) },
			func(t testing.TB, app *tests.TestApp, w *moveWorld, res *http.Response) {
				expectMoved(t, app, w, res)
				if n, _ := app.CountRecords(collections.Users); n != 1 {
					t.Fatalf("%d users, want 1: the fresh account was not deleted", n)
				}
			}),
		moveScenario(with("the new phone's account in a circle is not deleted: 409", 409, `"device_id":{"code":"validation_device_in_use"`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) {
				circlytest.CreateCircle(t, app, signInNewPhone(t, app).Record, "newphone")
			},
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("another account's device with a wrong secret: 401", 401, `"status":401`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) { signInNewPhone(t, app) },
			func(w *moveWorld) (string, map[string]string) {
				return redeemBody(w.transfer, newDeviceId, strings.Repeat("w", 40))
			}, expectUnmoved),
		moveScenario(with("the new phone's account is disabled: 403", 403, `"status":403`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) {
				u := signInNewPhone(t, app)
				u.SetActive(false)
				if err := app.Save(u); err != nil {
					t.Fatal(err)
				}
			},
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("a disabled user cannot be moved: 403", 403, `"status":403`, `disabled`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) {
				collections.AsUser(w.user).SetActive(false)
				if err := app.Save(w.user); err != nil {
					t.Fatal(err)
				}
			},
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, newDeviceId, newSecret) },
			nil),
		moveScenario(with("an unknown code: 404", 404, `"status":404`),
			nil,
			func(w *moveWorld) (string, map[string]string) {
				return redeemBody("ABCDEFGHJK", newDeviceId, newSecret)
			},
			expectUnmoved),
		moveScenario(with("a code of the wrong shape: 404", 404, `"status":404`),
			nil,
			func(w *moveWorld) (string, map[string]string) { return redeemBody("O0I1", newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("the recovery code is not a transfer code: 404", 404, `"status":404`),
			nil,
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.recovery, newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("an expired code: 410", 410, `"status":410`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) { expireTransferCode(t, app, w.user.Id) },
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("a new transfer code replaces the old: the old one is 404", 404, `"status":404`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) {
				if _, _, err := circlytest.Circly(t, app).Auth.NewTransferCode(app, w.user.Id); err != nil {
					t.Fatal(err)
				}
			},
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("a retired device id cannot take an account: 401", 401, `"validation_device_retired"`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) {
				hash, _ := circlytest.Circly(t, app).Keys.HashRetiredDevice(newDeviceId)
				if err := collections.RetireDevice(app, hash); err != nil {
					t.Fatal(err)
				}
			},
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("redeeming on the same device keeps the device and renews the tokens", 200, `"device_id":"`+oldDeviceId+`"`),
			nil,
			func(w *moveWorld) (string, map[string]string) { return redeemBody(w.transfer, oldDeviceId, oldSecret) },
			func(t testing.TB, app *tests.TestApp, w *moveWorld, res *http.Response) {
				if _, err := app.FindAuthRecordByToken(w.oldToken); err == nil {
					t.Fatal("the old token still verifies")
				}
			}),
		moveScenario(with("the same device with a wrong secret: 401", 401, `"status":401`),
			nil,
			func(w *moveWorld) (string, map[string]string) {
				return redeemBody(w.transfer, oldDeviceId, strings.Repeat("w", 40))
			}, expectUnmoved),
	}
	for _, s := range append(scenarios, badMoveBodies(auth.TransferRedeemPath, "code")...) {
		s.Test(t)
	}
}

// badMoveBodies are the refused bodies of a redeem or recover route whose
// code key is codeKey: unknown keys, wrong types, missing fields, malformed
// JSON. Each leaves the account where it was.
func badMoveBodies(path, codeKey string) []*tests.ApiScenario {
	bad := func(name string, body func(w *moveWorld) (string, map[string]string), content ...string) *tests.ApiScenario {
		return moveScenario(tests.ApiScenario{Name: name, Method: http.MethodPost, URL: path, ExpectedStatus: 400,
			ExpectedContent: append([]string{`"status":400`}, content...)}, nil, body, expectUnmoved)
	}
	valid := func(w *moveWorld) string {
		if codeKey == "code" {
			return w.transfer
		}
		return w.recovery
	}
	return []*tests.ApiScenario{
		bad("an unknown key", func(w *moveWorld) (string, map[string]string) {
			return jsonBody(map[string]any{codeKey: valid(w), "device_id": newDeviceId, "device_secret": newSecret, "user": "x"})
		}, `"user":{"code":"validation_unknown_field"`),
		bad("a number as the code", func(w *moveWorld) (string, map[string]string) {
			return jsonBody(map[string]any{codeKey: 1234567890, "device_id": newDeviceId, "device_secret": newSecret})
		}),
		bad("an array as the device id", func(w *moveWorld) (string, map[string]string) {
			return jsonBody(map[string]any{codeKey: valid(w), "device_id": []string{newDeviceId}, "device_secret": newSecret})
		}),
		bad("missing fields", func(w *moveWorld) (string, map[string]string) { return jsonBody(map[string]any{}) },
			`"`+codeKey+`":{"code":"validation_required"`, `"device_id":{"code":"validation_required"`, `"device_secret":{"code":"validation_required"`),
		bad("a missing secret", func(w *moveWorld) (string, map[string]string) {
			return jsonBody(map[string]any{codeKey: valid(w), "device_id": newDeviceId})
		}, `"device_secret":{"code":"validation_required"`),
		bad("a short secret", func(w *moveWorld) (string, map[string]string) {
			return jsonBody(map[string]any{codeKey: valid(w), "device_id": newDeviceId, "device_secret": "short"})
		}, `"device_secret":{"code":"validation_length_out_of_range"`),
		bad("malformed JSON", func(w *moveWorld) (string, map[string]string) {
			return `{"` + codeKey + `": "abc`, map[string]string{contentType: "application/json"}
		}),
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	with := func(name string, status int, content ...string) tests.ApiScenario {
		return tests.ApiScenario{Name: name, Method: http.MethodPost, URL: auth.RecoverPath, ExpectedStatus: status, ExpectedContent: content}
	}
	scenarios := []*tests.ApiScenario{
		moveScenario(with("a recovery code moves the same user", 200, `"token":"`, `"created":false`, `"device_id":"`+newDeviceId+`"`),
			nil,
			func(w *moveWorld) (string, map[string]string) { return recoverBody(w.recovery, newDeviceId, newSecret) },
			func(t testing.TB, app *tests.TestApp, w *moveWorld, res *http.Response) {
				expectMoved(t, app, w, res)
				// the lost phone's pending transfer code goes too
				n, _ := app.CountRecords(collections.AccountCodes)
				if n != 0 {
					t.Fatalf("%d codes left after the recovery", n)
				}
			}),
		moveScenario(with("the recovery code without dashes, in lower case", 200, `"token":"`),
			nil,
			func(w *moveWorld) (string, map[string]string) {
				return recoverBody(strings.ToLower(strings.ReplaceAll(w.recovery, "-", "")), newDeviceId, newSecret)
			}, expectMoved),
		moveScenario(with("a wrong recovery code: 401", 401, `"status":401`),
			nil,
			func(w *moveWorld) (string, map[string]string) {
				return recoverBody(strings.Repeat("ABCD-", 5)+"ABCD", newDeviceId, newSecret)
			}, expectUnmoved),
		moveScenario(with("the transfer code is not a recovery code: 401", 401, `"status":401`),
			nil,
			func(w *moveWorld) (string, map[string]string) { return recoverBody(w.transfer, newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("a new recovery code replaces the old: the old one is 401", 401, `"status":401`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) {
				if _, err := circlytest.Circly(t, app).Auth.NewRecoveryCode(app, w.user.Id); err != nil {
					t.Fatal(err)
				}
			},
			func(w *moveWorld) (string, map[string]string) { return recoverBody(w.recovery, newDeviceId, newSecret) },
			expectUnmoved),
		moveScenario(with("a disabled user cannot be recovered: 403", 403, `"status":403`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) {
				collections.AsUser(w.user).SetActive(false)
				if err := app.Save(w.user); err != nil {
					t.Fatal(err)
				}
			},
			func(w *moveWorld) (string, map[string]string) { return recoverBody(w.recovery, newDeviceId, newSecret) },
			nil),
		moveScenario(with("the new phone's account in a circle: 409", 409, `"validation_device_in_use"`),
			func(t testing.TB, app *tests.TestApp, w *moveWorld) {
				circlytest.CreateCircle(t, app, signInNewPhone(t, app).Record, "newphone")
			},
			func(w *moveWorld) (string, map[string]string) { return recoverBody(w.recovery, newDeviceId, newSecret) },
			expectUnmoved),
	}
	for _, s := range append(scenarios, badMoveBodies(auth.RecoverPath, "recovery_code")...) {
		s.Test(t)
	}
}
