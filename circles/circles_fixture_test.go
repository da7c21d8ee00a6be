package circles_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"circly/circlytest"
	"circly/collections"
)

// circleFixture is one circle seen from every side: its creator, a member,
// a former member (left), a signed-in stranger, and a second circle the
// stranger created.
type circleFixture struct {
	circle                                *core.Record
	creator, member, former, stranger     *core.Record // users
	creatorM, memberM, formerM, strangerM *core.Record // memberships
	otherCircle                           *core.Record
	creatorAuth, memberAuth, formerAuth   map[string]string
	strangerAuth                          map[string]string
	superuserAuth                         map[string]string // made on first use: bcrypt is slow under -race
	app                                   *tests.TestApp
	t                                     testing.TB
}

func newCircleFixture(t testing.TB, app *tests.TestApp) *circleFixture {
	t.Helper()
	f := &circleFixture{app: app}
	f.creator = circlytest.CreateUser(t, app)
	f.member = circlytest.CreateUser(t, app)
	f.former = circlytest.CreateUser(t, app)
	f.stranger = circlytest.CreateUser(t, app)

	f.circle, f.creatorM = circlytest.CreateCircle(t, app, f.creator, "Creator")
	f.memberM = circlytest.AddMember(t, app, f.circle, f.member, "Member")
	f.formerM = circlytest.AddMember(t, app, f.circle, f.former, "Former")
	f.formerM.Set("is_active", false)
	if err := app.Save(f.formerM); err != nil {
		t.Fatal(err)
	}
	f.otherCircle, f.strangerM = circlytest.CreateCircle(t, app, f.stranger, "Stranger")

	f.creatorAuth = circlytest.AuthHeader(t, f.creator)
	f.memberAuth = circlytest.AuthHeader(t, f.member)
	f.formerAuth = circlytest.AuthHeader(t, f.former)
	f.strangerAuth = circlytest.AuthHeader(t, f.stranger)
	f.t = t
	return f
}

// reload returns the stored version of a record.
func (f *circleFixture) reload(t testing.TB, r *core.Record) *core.Record {
	t.Helper()
	fresh, err := f.app.FindRecordById(r.Collection().Name, r.Id)
	if err != nil {
		t.Fatalf("reload %s %s: %v", r.Collection().Name, r.Id, err)
	}
	return fresh
}

// activeMembers counts a circle's active memberships.
func activeMembers(t testing.TB, app core.App, circleId string) int {
	t.Helper()
	n, err := app.CountRecords(collections.Members, dbx.HashExp{"circle": circleId, "is_active": true})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// scenario is an ApiScenario whose URL, body and headers depend on the
// fixture, which exists only once the scenario's app is made.
type scenario struct {
	name        string
	method      string
	url         func(f *circleFixture) string
	body        func(f *circleFixture) string
	multipart   func(t testing.TB, f *circleFixture) (contentType string, body []byte)
	auth        func(f *circleFixture) map[string]string
	setup       func(t testing.TB, f *circleFixture)
	status      int
	contains    []string
	notContains []string
	events      map[string]int
	after       func(t testing.TB, f *circleFixture, body map[string]any)
}

func runScenarios(t *testing.T, cases []scenario) {
	t.Helper()
	for _, c := range cases {
		c.run(t)
	}
}

func (c scenario) run(t *testing.T) {
	var f *circleFixture
	var raw []byte
	s := &tests.ApiScenario{
		Name:               c.name,
		Method:             c.method,
		ExpectedStatus:     c.status,
		ExpectedContent:    c.contains,
		NotExpectedContent: c.notContains,
		ExpectedEvents:     c.events,
	}
	if c.status != http.StatusNoContent && len(c.contains) == 0 && len(c.notContains) == 0 {
		s.ExpectedContent = []string{`"`}
	}
	s.TestAppFactory = func(t testing.TB) *tests.TestApp {
		app := circlytest.Factory(nil)(t)
		f = newCircleFixture(t, app)
		if c.setup != nil {
			c.setup(t, f)
		}
		s.URL = c.url(f)
		s.Headers = map[string]string{}
		if c.auth != nil {
			for k, v := range c.auth(f) {
				s.Headers[k] = v
			}
		}
		switch {
		case c.multipart != nil:
			contentType, body := c.multipart(t, f)
			s.Headers["Content-Type"] = contentType
			s.Body = bytes.NewReader(body)
		case c.body != nil:
			s.Body = strings.NewReader(c.body(f))
		}
		return app
	}
	s.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if c.after == nil {
			return
		}
		var body map[string]any
		raw, _ = io.ReadAll(res.Body)
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("response is not a JSON object: %v\n%s", err, raw)
			}
		}
		c.after(t, f, body)
	}
	s.Test(t)
}

func fixedURL(s string) func(*circleFixture) string { return func(*circleFixture) string { return s } }

func body(s string) func(*circleFixture) string { return func(*circleFixture) string { return s } }

func anonymous(*circleFixture) map[string]string    { return nil }
func asCreator(f *circleFixture) map[string]string  { return f.creatorAuth }
func asMember(f *circleFixture) map[string]string   { return f.memberAuth }
func asFormer(f *circleFixture) map[string]string   { return f.formerAuth }
func asStranger(f *circleFixture) map[string]string { return f.strangerAuth }
func asSuperuser(f *circleFixture) map[string]string {
	if f.superuserAuth == nil {
		f.superuserAuth = circlytest.SuperuserHeader(f.t, f.app)
	}
	return f.superuserAuth
}
func circleURL(f *circleFixture) string { return "/api/collections/circles/records/" + f.circle.Id }
func circlesURL(*circleFixture) string  { return "/api/collections/circles/records" }
func membersOfCircleURL(f *circleFixture) string {
	return "/api/collections/members/records?filter=" + urlQueryEscape(`circle="`+f.circle.Id+`"`)
}

func urlQueryEscape(s string) string {
	r := strings.NewReplacer(" ", "%20", `"`, "%22", "=", "%3D", "&", "%26")
	return r.Replace(s)
}

// pngFile returns a small PNG image.
func pngFile(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartFile builds a multipart body with one file under field and the
// given text fields.
func multipartFile(t testing.TB, field, filename, contentType string, data []byte, texts ...[2]string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, kv := range texts {
		if err := w.WriteField(kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="` + field + `"; filename="` + filename + `"`}
	h["Content-Type"] = []string{contentType}
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := part.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}
