package server_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"

	"circly/circles"
)

func FuzzJoinBody(f *testing.F) {
	for _, seed := range []string{
		`{"invite_code":"$CODE","nickname":"fuzzer"}`,
		`{"invite_code":"$CODE_LOWER","nickname":"FUZZER"}`,
		`{"invite_code":"  $CODE  ","nickname":"  fuzzer  "}`,
		`{"invite_link_id":"$LINK","nickname":"fuzz link"}`,
		`{"invite_code":"$CODE","invite_link_id":"$LINK","nickname":"both"}`,
		`{"invite_code":"$EXPIRED_CODE","nickname":"late"}`,
		`{"invite_link_id":"$EXPIRED_LINK","nickname":"late"}`,
		`{"invite_code":"$FULL_CODE","nickname":"one too many"}`,
		`{"invite_code":"$CODE","nickname":"member0"}`, // taken (A's creator)
		`{"invite_code":"$CODE","nickname":"MEMBER0"}`, // taken, other case
		`{"invite_code":"$CODE","nickname":"ｍｅｍｂｅｒ0"}`, // taken, full-width
		`{"invite_code":"$CODE","nickname":""}`,
		`{"invite_code":"$CODE","nickname":"\u200b"}`,
		`{"invite_code":"$CODE","nickname":"` + strings.Repeat("가", 21) + `"}`,
		"{\"invite_code\":\"$CODE\",\"nickname\":\"\xff\"}",
		`{"invite_code":"O0I1O0","nickname":"x"}`,
		`{"invite_code":"ABCDEFG","nickname":"x"}`,
		`{"invite_link_id":"../../../etc/passwd","nickname":"x"}`,
		`{"invite_link_id":"` + strings.Repeat("A", 65) + `","nickname":"x"}`,
		`{"invite_code":123456,"nickname":1}`,
		`{"invite_code":["$CODE"],"nickname":{"a":"b"}}`,
		`{"invite_code":null,"invite_link_id":null,"nickname":null}`,
		`{}`, `[]`, `null`, ``, `{`,
	} {
		f.Add(byte(0), byte(4), []byte(seed))
	}
	f.Add(byte(2), byte(5), []byte("invite_code=$CODE&nickname=form%20user"))
	f.Add(byte(3), byte(6), []byte("--xYzZY\r\nContent-Disposition: form-data; name=\"invite_code\"\r\n\r\n$CODE\r\n--xYzZY\r\nContent-Disposition: form-data; name=\"nickname\"\r\n\r\nmulti\r\n--xYzZY--\r\n"))
	f.Add(byte(5), byte(4), []byte(`<j><invite_code>$CODE</invite_code><nickname>xml</nickname></j>`))
	f.Add(byte(6), byte(4), []byte(`{"invite_code":"$CODE","nickname":"plain"}`))
	f.Add(byte(0), byte(1), []byte(`{"invite_code":"$CODE","nickname":"again"}`)) // an active member: idempotent

	w := newWorld(f, false)
	f.Fuzz(func(t *testing.T, ct, who byte, body []byte) {
		rec := send(w.h, "POST", circles.JoinCirclePath, w.caller(who), contentType(ct), []byte(w.expand(string(body))))
		checkAnswer(t, "join", rec)
		if rec.Code == 200 {
			var res map[string]map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || res["circle"]["id"] == nil || res["member"]["id"] == nil {
				t.Fatalf("200 without {circle, member}: %s", rec.Body.String())
			}
			if n, _ := res["member"]["nickname"].(string); utf8.RuneCountInString(n) > circles.NicknameMaxLength || !utf8.ValidString(n) {
				t.Fatalf("joined with nickname %q", n)
			}
		}
	})
}

// FuzzInviteCodeAndLink feeds one string to everything that reads invite
// codes and link ids: the join request's normaliser, JoinCircle (as an
// active member of A, so nothing is written), PreviewInvite, the preview
// route and the landing page, both with the string escaped as one path
// segment and raw.
func FuzzInviteCodeAndLink(f *testing.F) {
	for _, seed := range []string{
		"$CODE", "$CODE_LOWER", " $CODE\t", "$LINK", " $LINK ", "$EXPIRED_CODE", "$EXPIRED_LINK", "$FULL_CODE",
		"", " ", "ABCDEF", "abcdef", "ABCDE", "ABCDEFG", "O0I1O0", "ÅBCDEF", "ＡＢＣＤＥＦ",
		strings.Repeat("A", 21), strings.Repeat("A", 22), strings.Repeat("A", 64), strings.Repeat("A", 65),
		"../../../../etc/passwd", "..", ".", "a/b", "%2e%2e%2f", "%", "%zz", "?x=1", "#frag", "a b",
		"\x00", "\xff\xfe", "\u200b", strings.Repeat("x", 10240), "ﬀ", "ß", "İ",
	} {
		f.Add(seed)
	}

	w := newWorld(f, false)
	insider := w.a.users[1].Id
	link := w.a.circle.GetString("invite_link_id")
	code := w.a.circle.GetString("invite_code")
	f.Fuzz(func(t *testing.T, raw string) {
		s := w.expand(raw)

		for _, asCode := range []bool{true, false} {
			req := circles.JoinRequest{Nickname: "fuzz"}
			if asCode {
				req.InviteCode = s
			} else {
				req.InviteLinkId = s
			}
			if err := req.Normalize(); err != nil {
				var verrs validation.Errors
				if !errors.As(err, &verrs) {
					t.Fatalf("Normalize(%q): %T %v", s, err, err)
				}
				continue
			}
			if asCode && req.InviteCode != strings.ToUpper(strings.TrimSpace(s)) {
				t.Fatalf("code %q normalised to %q", s, req.InviteCode)
			}
			again := req
			if err := again.Normalize(); err != nil || again != req {
				t.Fatalf("Normalize is not idempotent: %+v then %+v (%v)", req, again, err)
			}
			circle, _, err := circles.JoinCircle(w.app, insider, req)
			switch {
			case err == nil:
				if circle.Id != w.a.circle.Id || (req.InviteCode != code && req.InviteLinkId != link) {
					t.Fatalf("%+v opened circle %s", req, circle.Id)
				}
			case errors.Is(err, circles.ErrInviteNotFound), errors.Is(err, circles.ErrInviteExpired), errors.Is(err, circles.ErrCircleFull):
			default:
				t.Fatalf("JoinCircle(%+v): unexpected error %v", req, err)
			}
		}

		preview, err := circles.PreviewInvite(w.app, s)
		switch {
		case err == nil:
			if s != link || preview.CircleName != w.a.circle.GetString("name") {
				t.Fatalf("PreviewInvite(%q) = %+v", s, preview)
			}
		case errors.Is(err, circles.ErrInviteExpired):
			if s != w.expired.GetString("invite_link_id") {
				t.Fatalf("PreviewInvite(%q): expired", s)
			}
		case errors.Is(err, circles.ErrInviteNotFound):
		default:
			t.Fatalf("PreviewInvite(%q): unexpected error %v", s, err)
		}

		escaped := url.PathEscape(s)
		rec := send(w.h, "GET", "/api/circly/invites/"+escaped, "", "", nil)
		checkAnswer(t, "preview "+escaped, rec)
		switch {
		case rec.Code == 200 || rec.Code == 404 || rec.Code == 410:
		case escaped == "." || escaped == "..":
			// the router cleans dot segments with a redirect
			if rec.Code/100 != 3 {
				t.Fatalf("preview of %q: %d", s, rec.Code)
			}
		default:
			t.Fatalf("preview of %q: %d", s, rec.Code)
		}
		rec = send(w.h, "GET", "/join/"+escaped, "", "", nil)
		checkAnswer(t, "landing page "+escaped, rec)

		// the string as it is, when it makes a request target at all
		for _, prefix := range []string{"/api/circly/invites/", "/join/"} {
			req, err := http.NewRequest("GET", prefix+s, nil)
			if err != nil || req.URL.Host != "" {
				continue
			}
			req.RemoteAddr = "192.0.2.1:1234"
			req.Body = http.NoBody // as a server request has
			rec := httptest.NewRecorder()
			w.h.ServeHTTP(rec, req)
			checkAnswer(t, "GET "+prefix+s, rec)
		}
	})
}

func FuzzNickname(f *testing.F) {
	for _, seed := range []string{
		"Alice", "  Alice  ", "Ａｌｉｃｅ", "ALICE", "ㅋㅋ", "ᄏᄏ", "ﾡ", "ㄱ\u0301", "민지ㅎㅎ", "\u1100\u1161",
		"👨\u200D👩\u200D👧", "🏳️\u200D🌈", "❤", "❤️", "e\u0301", "\u0301", "´", "a´", "a\u3000\u0301",
		"\u200b", "\u3164", "\u2800", "\uFEFF", "\u202E", "\uE000", "\xff", "Al\xffice", "\x00", "\t",
		"ﷺ", strings.Repeat("ﷺ", 2), "ß", "ẞ", "ΐ", "ǰ", "İ", "ﬀ", "㍿", "Ⅻ", "⑳", "\u0345",
		strings.Repeat("가", 20), strings.Repeat("가", 21), strings.Repeat(" ", 30) + "x",
		strings.Repeat("ΐ", 20), strings.Repeat("ß", 20), strings.Repeat("\u0390", 20),
		strings.Repeat("x", 10240),
	} {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, s string) {
		key := circles.NicknameKey(s)
		if !utf8.ValidString(key) {
			t.Fatalf("NicknameKey(%q) = %q is not valid UTF-8", s, key)
		}
		if circles.NicknameKey(key) != key {
			t.Fatalf("NicknameKey is not idempotent: %q → %q → %q", s, key, circles.NicknameKey(key))
		}

		n, err := circles.NormalizeNickname(s)
		if err != nil {
			if n != "" {
				t.Fatalf("NormalizeNickname(%q) refused (%v) but returned %q", s, err, n)
			}
			if !errors.Is(err, circles.ErrNicknameRequired) && !errors.Is(err, circles.ErrNicknameTooLong) && !errors.Is(err, circles.ErrNicknameInvalid) {
				t.Fatalf("NormalizeNickname(%q): unexpected error %v", s, err)
			}
			return
		}
		if !utf8.ValidString(n) {
			t.Fatalf("NormalizeNickname(%q) = %q is not valid UTF-8", s, n)
		}
		if c := utf8.RuneCountInString(n); c < 1 || c > circles.NicknameMaxLength {
			t.Fatalf("NormalizeNickname(%q) = %q has %d runes", s, n, c)
		}
		if n != strings.TrimSpace(n) || strings.Contains(n, "  ") {
			t.Fatalf("NormalizeNickname(%q) = %q keeps outer or double spaces", s, n)
		}
		// what is stored is accepted again unchanged (the members hooks
		// normalise and validate the stored value once more)
		n2, err := circles.NormalizeNickname(n)
		if err != nil || n2 != n {
			t.Fatalf("NormalizeNickname is not idempotent: %q → %q → %q (%v)", s, n, n2, err)
		}
		k := circles.NicknameKey(n)
		if k == "" {
			t.Fatalf("accepted nickname %q has an empty key", n)
		}
		if circles.NicknameKey(n2) != k {
			t.Fatalf("NicknameKey(NormalizeNickname(%q)) is not stable: %q vs %q", s, k, circles.NicknameKey(n2))
		}
		// members.nickname_key holds up to 200 characters
		if c := utf8.RuneCountInString(k); c > 200 {
			t.Fatalf("key of %q has %d runes", n, c)
		}
	})
}
