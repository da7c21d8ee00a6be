// Package expotest is a fake Expo push service for tests and local
// benchmarks. It implements POST {base}/push/send and POST
// {base}/push/getReceipts like Expo does (see the project's EXPO_PUSH.md):
// gzip request bodies, optional access-token auth with both 401 shapes,
// validation with Expo's error codes, tickets in recipient order with fresh
// UUIDv7 receipt ids, scripted per-token errors (as tickets or, later, as
// receipts), receipts that become ready after a configurable delay, an
// optional per-second rate limit, and fault injection for the next N
// requests. It records every request for assertions.
//
// Use NewServer in tests (its URL is the base URL to give the client) or
// NewHandler to serve the fake from any http.Server. The fake is
// independent of package expo on purpose: it checks the wire format, not
// the client's types.
package expotest

import (
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Expo's limits, as the fake enforces them.
const (
	// MaxNotificationsPerRequest is the most recipients in one send request,
	// and the most entries in one message's "to" array.
	MaxNotificationsPerRequest = 100
	// MaxReceiptIDsPerRequest is the most ids in one receipts request.
	MaxReceiptIDsPerRequest = 1000
	// DefaultMaxPayloadBytes is the default for SetMaxPayloadBytes.
	DefaultMaxPayloadBytes = 4096
	// DefaultProject is the project of tokens not assigned by SetProject.
	DefaultProject = "@expotest/app"
)

// Error codes of the fake's error objects, as Expo names them.
const (
	CodeValidationError          = "VALIDATION_ERROR"
	CodeUnauthorized             = "UNAUTHORIZED"
	CodeTooManyRequests          = "TOO_MANY_REQUESTS"
	CodeInternalServerError      = "INTERNAL_SERVER_ERROR"
	CodePushTooManyNotifications = "PUSH_TOO_MANY_NOTIFICATIONS"
	CodePushTooManyExperienceIDs = "PUSH_TOO_MANY_EXPERIENCE_IDS"
	CodePushTooManyReceipts      = "PUSH_TOO_MANY_RECEIPTS"
)

const (
	routeSend     = "/push/send"
	routeReceipts = "/push/getReceipts"

	ticketCodeDeviceNotRegistered = "DeviceNotRegistered"
	ticketCodeMessageTooBig       = "MessageTooBig"

	jsonContentType       = "application/json; charset=utf-8"
	maxRequestBytes       = 16 << 20
	gzipResponseThreshold = 1024

	invalidTokenErrorDescription   = "The bearer token is invalid"
	missingTokenMessage            = "The request is missing a valid bearer access token; this project has enhanced push security enabled."
	tooManyRequestsMessageTemplate = "Exceeded %d notifications per second, please try again."
)

// Handler is the fake Expo push service. It is safe for concurrent use;
// configure and script it with its methods at any time.
type Handler struct {
	basePath string
	done     chan struct{}
	doneOnce sync.Once

	mu              sync.Mutex
	accessToken     string
	now             func() time.Time
	receiptDelay    time.Duration
	latency         time.Duration
	maxPayloadBytes int
	rateLimit       int
	rateWindow      []rateEntry
	projects        map[string]string // token → project
	ticketErrors    map[string]string // token → details.error
	receiptErrors   map[string]string // token → details.error
	sendFaults      []Fault
	receiptFaults   []Fault
	receipts        map[string]storedReceipt

	requests        []Request
	messages        []Message
	notifications   []Notification
	sendRequests    int
	receiptRequests int
	inFlight        int
	maxInFlight     int
}

type storedReceipt struct {
	token   string
	code    string // empty: ok
	readyAt time.Time
}

type rateEntry struct {
	at time.Time
	n  int
}

// Option configures a Handler at creation.
type Option func(*Handler)

// WithBasePath serves the routes under path, e.g. "/--/api/v2" (default:
// at the root).
func WithBasePath(path string) Option {
	return func(h *Handler) { h.basePath = strings.TrimRight(path, "/") }
}

// WithAccessToken turns auth mode on from the start; see SetAccessToken.
func WithAccessToken(token string) Option {
	return func(h *Handler) { h.accessToken = token }
}

// WithClock sets the clock used for receipt readiness, the rate limit and
// Request.At; see SetClock.
func WithClock(now func() time.Time) Option {
	return func(h *Handler) { h.now = now }
}

// NewHandler returns the fake as an http.Handler.
func NewHandler(opts ...Option) *Handler {
	h := &Handler{
		done:            make(chan struct{}),
		now:             time.Now,
		maxPayloadBytes: DefaultMaxPayloadBytes,
		projects:        map[string]string{},
		ticketErrors:    map[string]string{},
		receiptErrors:   map[string]string{},
		receipts:        map[string]storedReceipt{},
	}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Server is the fake served by an httptest.Server. Its Handler methods
// script it and read its records.
type Server struct {
	*Handler
	// URL is the base URL to configure the client with (server URL plus
	// base path).
	URL string
	// HTTPServer is the underlying test server.
	HTTPServer *httptest.Server
}

// NewServer starts the fake on a local port. Close it when done.
func NewServer(opts ...Option) *Server {
	h := NewHandler(opts...)
	ts := httptest.NewServer(h)
	return &Server{Handler: h, URL: ts.URL + h.basePath, HTTPServer: ts}
}

// Close stops the server; stalled requests (latency, FaultDelay) end at
// once.
func (s *Server) Close() {
	s.Handler.Shutdown()
	s.HTTPServer.Close()
}

// Shutdown ends every stall (latency, FaultDelay) in progress and makes
// later ones return at once. Server.Close calls it.
func (h *Handler) Shutdown() { h.doneOnce.Do(func() { close(h.done) }) }
