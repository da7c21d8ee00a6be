// Package request holds what every Circly route does with a request: read
// it whole before acting, refuse body keys a route does not take, name the
// signed-in user, and answer in PocketBase's shapes (records, field errors).
package request

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/spf13/cast"

	"circly/collections"
)

// OnlyBodyKeys refuses a request whose body sets a field outside allowed. File
// modifiers ("avatar+", "avatar-") count as their field. Superusers are not
// restricted. A create (POST) is told which fields can be set, an update
// which can be changed.
func OnlyBodyKeys(e *core.RequestEvent, allowed ...string) error {
	if e.HasSuperuserAuth() {
		return nil
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	var refused []string
	for key := range info.Body {
		name := strings.TrimRight(strings.TrimLeft(key, "+"), "+-")
		if !slices.Contains(allowed, name) {
			refused = append(refused, key)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	slices.Sort(refused)
	verb := "changed"
	if e.Request.Method == http.MethodPost {
		verb = "set"
	}
	data := validation.Errors{}
	for _, key := range refused {
		// the key is the client's: PocketBase writes error answers only
		// when they are valid UTF-8, and a form body's keys need not be
		data[strings.ToValidUTF8(key, "\uFFFD")] = validation.NewError("validation_field_not_writable", "This field cannot be "+verb+".")
	}
	return apis.NewApiError(http.StatusBadRequest, "Only "+List(allowed)+" can be "+verb+".", data)
}

// List joins names for a sentence: "a", "a and b", "a, b and c".
func List(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// FieldError builds PocketBase's validation error data for one field.
func FieldError(field, code, message string) validation.Errors {
	return validation.Errors{field: validation.NewError(code, message)}
}

// Read parses the whole request, body included, the way PocketBase
// reads it when a handler answers with a record (apis.EnrichRecord and
// apis.RecordAuthResponse call e.RequestInfo). Handlers call it before they
// change anything: a body PocketBase cannot parse (an unknown content type,
// a malformed multipart or XML body, one over the size limit) is then a
// 4xx up front, not a failure while the answer is built, after the change
// is done. The body limit's 413 passes through; anything else is a 400.
func Read(e *core.RequestEvent) error {
	if _, err := e.RequestInfo(); err != nil {
		var apiErr *router.ApiError
		if errors.As(err, &apiErr) {
			return apiErr
		}
		return e.BadRequestError("The request body is not valid.", err)
	}
	return nil
}

// The answers of a request that needs an app user (RequireUser,
// RequireUserMiddleware, and auth's middleware for creates).
const (
	MsgSignIn       = "Sign in to do this."
	MsgOnlyAppUsers = "Only app users can do this."
)

// RequireUser returns the signed-in user of a request: 401 without auth,
// 403 for an auth record that is not a Circly user (e.g. a superuser).
func RequireUser(e *core.RequestEvent) (*core.Record, error) {
	if err := requireUserAuth(e); err != nil {
		return nil, err
	}
	// read the body now: a malformed one is refused before anything
	// changes (the response is enriched from the same parsed request)
	if err := Read(e); err != nil {
		return nil, err
	}
	return e.Auth, nil
}

// requireUserAuth answers 401 without auth and 403 for an auth record that
// is not a Circly user.
func requireUserAuth(e *core.RequestEvent) error {
	if e.Auth == nil {
		return e.UnauthorizedError(MsgSignIn, nil)
	}
	if e.Auth.Collection().Name != collections.Users {
		return e.ForbiddenError(MsgOnlyAppUsers, nil)
	}
	return nil
}

// RequireUserMiddleware gives a read-only route RequireUser's 401 and 403,
// before the handler runs; the body, which such a route ignores, is not
// read.
func RequireUserMiddleware(e *core.RequestEvent) error {
	if err := requireUserAuth(e); err != nil {
		return err
	}
	return e.Next()
}

// RecordResponse answers with a record as the collection API would show
// it to the requester.
func RecordResponse(e *core.RequestEvent, record *core.Record) error {
	if err := apis.EnrichRecord(e, record); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, record)
}

// BodyString reads a text value from a request body map (JSON or form).
func BodyString(body map[string]any, key string) string {
	return cast.ToString(body[key])
}

// RawBodyValue returns a body value as the client sent it. PocketBase's
// record create hands hooks a body already cast to the fields' types (a
// bool field turns null or "maybe" into false); where the difference
// matters, read the JSON body again (the request body is re-readable) or
// the submitted form value. fallback is the parsed body, used when neither
// is available.
func RawBodyValue(e *core.RequestEvent, key string, fallback map[string]any) any {
	if e.Request.MultipartForm != nil {
		if v, ok := e.Request.MultipartForm.Value[key]; ok && len(v) > 0 {
			return v[len(v)-1]
		}
		return nil
	}
	if len(e.Request.PostForm) > 0 {
		if _, ok := e.Request.PostForm[key]; ok {
			return e.Request.PostForm.Get(key)
		}
		return nil
	}
	if rr, ok := e.Request.Body.(router.Rereader); ok {
		rr.Reread()
		var body map[string]any
		err := json.NewDecoder(io.LimitReader(e.Request.Body, 1<<20)).Decode(&body)
		rr.Reread()
		if err == nil {
			return body[key]
		}
	}
	return fallback[key]
}
