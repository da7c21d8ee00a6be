package server_test

import (
	"strings"
	"testing"

	"circly/auth"
	"circly/collections"
)

// FuzzContinuityBody sends any body, with any content type, to the four
// account continuity routes (API.md §11): never a 5xx or a panic, always
// PocketBase's error shape, and nobody is moved by a body that is not a
// real code.
func FuzzContinuityBody(f *testing.F) {
	secret := strings.Repeat("s", 40)
	for _, seed := range []string{
		`{"code":"ABCDEFGHJK","device_id":"fuzz-phone-0001","device_secret":"` + secret + `"}`,
		`{"recovery_code":"ABCD-EFGH-JKLM-NPQR-STUV-WXYZ","device_id":"fuzz-phone-0001","device_secret":"` + secret + `"}`,
		`{"code":"abcdefghjk","recovery_code":"x","device_id":"fuzz-phone-0002","device_secret":"` + secret + `"}`,
		`{"code":"` + strings.Repeat("A", 5000) + `","device_id":"fuzz-phone-0003","device_secret":"` + secret + `"}`,
		`{"code":"ÄÖÜ\u0000\u200b","device_id":"fuzz-phone-0004","device_secret":"` + secret + `"}`,
		"{\"code\":\"\xff\xfe\",\"device_id\":\"fuzz-phone-0005\",\"device_secret\":\"" + secret + "\"}",
		`{"code":1234567890,"device_id":true,"device_secret":null}`,
		`{"code":["A"],"recovery_code":{"a":1}}`,
		`{"ttl":60}`, `[]`, `null`, `"x"`, `{`, `{}`, ``,
		`code=ABCDEFGHJK&device_id=fuzz-phone-0006&device_secret=` + secret,
	} {
		for route := range byte(4) {
			f.Add(route, byte(0), []byte(seed))
		}
	}
	f.Add(byte(0), byte(2), []byte(`code=ABCDEFGHJK&device_id=fuzz-phone-0007&device_secret=`+secret))
	f.Add(byte(1), byte(3), []byte("--xYzZY\r\nContent-Disposition: form-data; name=\"recovery_code\"\r\n\r\nABCD\r\n--xYzZY--\r\n"))
	f.Add(byte(2), byte(5), []byte(`<a><code>x</code></a>`))

	w := newWorld(f, false)
	user := w.a.users[0].Id
	routes := []struct {
		path, token string
	}{
		{auth.TransferRedeemPath, ""},
		{auth.RecoverPath, ""},
		{auth.TransferPath, w.a.tokens[0]},
		{auth.RecoveryPath, w.a.tokens[0]},
	}
	f.Fuzz(func(t *testing.T, route, ct byte, body []byte) {
		r := routes[int(route)%len(routes)]
		rec := send(w.h, "POST", r.path, r.token, contentType(ct), body)
		checkAnswer(t, r.path, rec)
		if r.token == "" && rec.Code == 200 {
			t.Fatalf("%s moved an account with a made-up code: %s", r.path, rec.Body.String())
		}
		if _, err := w.app.FindRecordById(collections.Users, user); err != nil {
			t.Fatalf("the signed-in user is gone: %v", err)
		}
	})
}
