package request

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ganigeorgiev/fexpr"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/search"
)

// recordsListPattern is the route pattern of PocketBase's records list
// (getList, getFullList, getFirstListItem).
const recordsListPattern = "GET /api/collections/{collection}/records"

// genericBadRequest is the message of PocketBase's 400 without a message,
// which is what its records list answers for any query it cannot run.
const genericBadRequest = "Something went wrong while processing your request."

// Codes of a list query PocketBase refused, in data.<param>.code.
const (
	CodeInvalidFilter = "validation_invalid_filter"
	CodeInvalidSort   = "validation_invalid_sort"
	CodeInvalidNumber = "validation_only_int_constraint"
)

// BindListQueryErrors makes the records list explain a query it refuses:
// PocketBase answers a filter or sort on an unknown or hidden field (e.g.
// members' nickname_key), a malformed filter or a page that is not a
// number with a bare 400 "Something went wrong while processing your
// request."; the middleware replaces that answer by one naming the query
// parameter and, where there is one, the field (ExplainListQuery). Other
// errors pass unchanged.
func BindListQueryErrors(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:   "circlyListQueryErrors",
			Func: explainListErrors,
		})
		return se.Next()
	})
}

func explainListErrors(e *core.RequestEvent) error {
	err := e.Next()
	if err == nil || e.Request.Pattern != recordsListPattern {
		return err
	}
	var apiErr *router.ApiError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest || apiErr.Message != genericBadRequest {
		return err
	}
	if explained := ExplainListQuery(e); explained != nil {
		return explained
	}
	return err
}

// ExplainListQuery finds what PocketBase's records list could not use in
// the request's query, checking it the way the list does (hidden fields
// only for superusers): the filter, then the sort, then the paging
// numbers. It answers nil when it finds nothing wrong.
func ExplainListQuery(e *core.RequestEvent) *router.ApiError {
	collection, err := e.App.FindCachedCollectionByNameOrId(e.Request.PathValue("collection"))
	if err != nil || collection == nil {
		return nil
	}
	info, err := e.RequestInfo()
	if err != nil {
		return nil
	}
	resolver := func() *core.RecordFieldResolver {
		r := core.NewRecordFieldResolver(e.App, collection, info, true)
		r.SetAllowHiddenFields(info.HasSuperuserAuth())
		return r
	}
	query := e.Request.URL.Query()

	if filter := query.Get(search.FilterQueryParam); filter != "" {
		if msg, fieldMsg := explainFilter(filter, resolver); msg != "" {
			return router.NewBadRequestError(msg, FieldError(search.FilterQueryParam, CodeInvalidFilter, fieldMsg))
		}
	}
	if sort := query.Get(search.SortQueryParam); sort != "" {
		for _, s := range search.ParseSortFromString(sort) {
			if _, err := s.BuildExpr(resolver()); err != nil {
				return router.NewBadRequestError("The sort cannot use "+s.Name+": there is no such field, or it cannot be sorted on.",
					FieldError(search.SortQueryParam, CodeInvalidSort, "Unknown or hidden field: "+s.Name+"."))
			}
		}
	}
	for _, param := range []string{search.PageQueryParam, search.PerPageQueryParam} {
		if v := query.Get(param); v != "" {
			if _, err := strconv.Atoi(v); err != nil {
				return router.NewBadRequestError("Invalid query parameter "+param+".",
					validation.Errors{param: validation.NewError(CodeInvalidNumber, "Must be a whole number.")})
			}
		}
	}
	if v := query.Get(search.SkipTotalQueryParam); v != "" {
		if _, err := strconv.ParseBool(v); err != nil {
			return router.NewBadRequestError("Invalid query parameter "+search.SkipTotalQueryParam+".",
				FieldError(search.SkipTotalQueryParam, "validation_invalid_bool", "Must be true or false."))
		}
	}
	return nil
}

// explainFilter says what is wrong with a filter (message, field message),
// or nothing.
func explainFilter(filter string, resolver func() *core.RecordFieldResolver) (string, string) {
	if len(filter) > search.MaxFilterLength {
		return "The filter is too long.", "Must be at most " + strconv.Itoa(search.MaxFilterLength) + " characters."
	}
	groups, err := fexpr.Parse(filter)
	if err != nil {
		return "The filter is not a valid filter expression.", "Invalid filter syntax."
	}
	for _, name := range identifiers(groups) {
		// each name on its own, through the same resolution as the list
		if _, err := search.FilterData(name + " = ''").BuildExpr(resolver()); err != nil {
			return "The filter cannot use " + name + ": there is no such field, or it cannot be filtered on.",
				"Unknown or hidden field: " + name + "."
		}
	}
	if _, err := search.FilterData(filter).BuildExprWithLimit(resolver(), search.DefaultFilterExprLimit); err != nil {
		return "The filter cannot be used; check its fields, operators and values.", "Invalid filter."
	}
	return "", ""
}

// identifiers lists the identifiers of a parsed filter (operands and
// function arguments), in order.
func identifiers(groups []fexpr.ExprGroup) []string {
	var names []string
	var token func(t fexpr.Token)
	token = func(t fexpr.Token) {
		switch t.Type {
		case fexpr.TokenIdentifier:
			names = append(names, t.Literal)
		case fexpr.TokenFunction:
			if args, ok := t.Meta.([]fexpr.Token); ok {
				for _, a := range args {
					token(a)
				}
			}
		}
	}
	var walk func(groups []fexpr.ExprGroup)
	walk = func(groups []fexpr.ExprGroup) {
		for _, g := range groups {
			switch item := g.Item.(type) {
			case fexpr.Expr:
				token(item.Left)
				token(item.Right)
			case fexpr.ExprGroup:
				walk([]fexpr.ExprGroup{item})
			case []fexpr.ExprGroup:
				walk(item)
			}
		}
	}
	walk(groups)
	return slicesCompactStrings(names)
}

// slicesCompactStrings drops repeated names, keeping the first of each.
func slicesCompactStrings(names []string) []string {
	seen := map[string]bool{}
	out := names[:0]
	for _, n := range names {
		key := strings.ToLower(n)
		if !seen[key] {
			seen[key] = true
			out = append(out, n)
		}
	}
	return out
}
