package polls

import (
	"net/url"
	"strconv"

	"circly/collections"
)

// Paging of the home routes (feed, picks): PocketBase's query parameters
// and answer fields (page, perPage, totalItems), with the contract's
// default page size. Unlike PocketBase's lists, which clamp a page size
// over their maximum and ignore a page below 1, these routes refuse a bad
// value with 400 and the field's error, so the app learns of its mistake.
const (
	// DefaultPerPage is the page size when perPage is absent.
	DefaultPerPage = 20
	// MaxPerPage bounds perPage: a home screen shows a few dozen entries,
	// and each feed entry carries a poll record and one keyed hash.
	MaxPerPage = 100
)

// Query parameters of the home routes.
const (
	ParamPage    = "page"
	ParamPerPage = "perPage"
	ParamStatus  = collections.FieldPollStatus // the polls field it filters on
)

// Page is a requested page: Page counts from 1, PerPage entries each.
type Page struct {
	Page    int `json:"page"`
	PerPage int `json:"perPage"`
}

func (p Page) offset() int { return (p.Page - 1) * p.PerPage }

// ListPage is the body of a home route: PocketBase's list answer without
// totalPages (page, perPage, totalItems, items).
type ListPage[T any] struct {
	Page
	TotalItems int `json:"totalItems"`
	Items      []T `json:"items"`
}

// QueryError is a query parameter a route refuses (400): the parameter,
// the validation code and message PocketBase's field errors carry.
type QueryError struct {
	Param, Code, Message string
}

func (e *QueryError) Error() string { return e.Param + ": " + e.Message }

// ParsePage reads page (default 1) and perPage (default DefaultPerPage,
// at most MaxPerPage) from a query; a value that is not a whole number in
// range is a *QueryError. An empty value counts as absent.
func ParsePage(q url.Values) (Page, error) {
	page, err := intParam(q, ParamPage, 1, 1, 0)
	if err != nil {
		return Page{}, err
	}
	perPage, err := intParam(q, ParamPerPage, DefaultPerPage, 1, MaxPerPage)
	if err != nil {
		return Page{}, err
	}
	return Page{Page: page, PerPage: perPage}, nil
}

// intParam reads a whole number ≥ min (and ≤ max when max > 0), or def
// when the parameter is absent or empty.
func intParam(q url.Values, name string, def, min, max int) (int, error) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		return 0, &QueryError{name, "validation_only_int_constraint", "Must be a whole number."}
	case n < min:
		return 0, &QueryError{name, "validation_min_number_constraint", "Must be at least " + strconv.Itoa(min) + "."}
	case max > 0 && n > max:
		return 0, &QueryError{name, "validation_max_number_constraint", "Must be at most " + strconv.Itoa(max) + "."}
	}
	return n, nil
}

// ParseFeedStatus reads the feed's status filter: "" (absent or empty:
// open and closed polls), collections.PollOpen or collections.PollClosed;
// anything else is a *QueryError.
func ParseFeedStatus(q url.Values) (string, error) {
	switch s := q.Get(ParamStatus); s {
	case "", collections.PollOpen, collections.PollClosed:
		return s, nil
	}
	return "", &QueryError{ParamStatus, "validation_invalid_value", "Must be " + collections.PollOpen + " or " + collections.PollClosed + "."}
}
