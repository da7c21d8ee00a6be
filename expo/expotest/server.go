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
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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

// SetAccessToken turns auth mode on (token non-empty) or off. In auth mode a
// request without an Authorization header gets 401 with an UNAUTHORIZED
// errors body, and one with another token gets 401 with the OAuth-style
// body {"error":"invalid_token",...}.
func (h *Handler) SetAccessToken(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.accessToken = token
}

// SetClock replaces the clock (default time.Now).
func (h *Handler) SetClock(now func() time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = now
}

// SetReceiptDelay makes receipts appear only d after their ticket (default
// 0: at once). Until then getReceipts leaves their ids out.
func (h *Handler) SetReceiptDelay(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.receiptDelay = d
}

// SetLatency delays every request by d (real time) before handling it.
func (h *Handler) SetLatency(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.latency = d
}

// SetRateLimit answers 429 TOO_MANY_REQUESTS to a send request that would
// take the notifications accepted in the last second (by the fake's clock)
// above perSecond. 0 turns the limit off (the default).
func (h *Handler) SetRateLimit(perSecond int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rateLimit = perSecond
	h.rateWindow = nil
}

// SetMaxPayloadBytes sets the size above which a message's JSON gets a
// MessageTooBig error ticket (default 4096); 0 turns the check off.
func (h *Handler) SetMaxPayloadBytes(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.maxPayloadBytes = n
}

// SetProject assigns tokens to project (e.g. "@owner/slug"). A send request
// whose tokens span several projects gets 400 PUSH_TOO_MANY_EXPERIENCE_IDS.
// Unassigned tokens belong to DefaultProject.
func (h *Handler) SetProject(project string, tokens ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range tokens {
		h.projects[t] = project
	}
}

// MarkDeviceNotRegistered makes tokens dead: their tickets become
// DeviceNotRegistered errors with details.expoPushToken.
func (h *Handler) MarkDeviceNotRegistered(tokens ...string) {
	for _, t := range tokens {
		h.SetTicketError(t, ticketCodeDeviceNotRegistered)
	}
}

// SetTicketError makes every ticket for token an error ticket with
// details.error = code (e.g. "DeviceNotRegistered", "MessageRateExceeded").
func (h *Handler) SetTicketError(token, code string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ticketErrors[token] = code
}

// SetReceiptError gives token ok tickets whose receipts, once ready, are
// errors with details.error = code (e.g. "DeviceNotRegistered",
// "MessageTooBig", "MessageRateExceeded", "InvalidCredentials"). It applies
// to notifications sent after the call.
func (h *Handler) SetReceiptError(token, code string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.receiptErrors[token] = code
}

// ClearToken removes the ticket and receipt errors scripted for token.
func (h *Handler) ClearToken(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.ticketErrors, token)
	delete(h.receiptErrors, token)
}

// FailNext spoils the next n push/send requests (after auth) with f. Calls
// queue up: FailNext(1, a) then FailNext(2, b) spoils one request with a,
// then two with b.
func (h *Handler) FailNext(n int, f Fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for range n {
		h.sendFaults = append(h.sendFaults, f)
	}
}

// FailNextReceipts spoils the next n push/getReceipts requests with f.
func (h *Handler) FailNextReceipts(n int, f Fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for range n {
		h.receiptFaults = append(h.receiptFaults, f)
	}
}

// PendingFaults returns how many queued faults are not yet used.
func (h *Handler) PendingFaults() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sendFaults) + len(h.receiptFaults)
}

// exchange is one request being handled and its record.
type exchange struct {
	w   http.ResponseWriter
	r   *http.Request
	rec Request
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.inFlight++
	h.maxInFlight = max(h.maxInFlight, h.inFlight)
	latency, now := h.latency, h.now()
	h.mu.Unlock()
	x := &exchange{w: w, r: r, rec: Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), At: now}}
	defer func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.inFlight--
		h.requests = append(h.requests, x.rec)
	}()

	if !h.stall(r.Context(), latency) {
		return
	}
	route, ok := strings.CutPrefix(r.URL.Path, h.basePath)
	if !ok || (route != routeSend && route != routeReceipts) {
		x.write(http.StatusNotFound, "text/plain; charset=utf-8", []byte("404 page not found\n"))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		x.write(http.StatusMethodNotAllowed, "text/plain; charset=utf-8", []byte("405 method not allowed\n"))
		return
	}
	h.mu.Lock()
	if route == routeSend {
		h.sendRequests++
	} else {
		h.receiptRequests++
	}
	h.mu.Unlock()

	if status, e := x.readBody(); e != nil {
		x.json(status, errorsBody(*e))
		return
	}
	if !h.authorize(x) {
		return
	}

	f, hasFault := h.popFault(route)
	x.rec.Fault = f.Kind
	if hasFault && f.Kind == FaultDelay && !h.stall(r.Context(), f.Delay) {
		return
	}
	failing := hasFault && isErrorKind(f.Kind)
	if failing && !f.Deliver {
		h.writeFault(x, f)
		return
	}
	var status int
	var resp any
	if route == routeSend {
		status, resp = h.send(x)
	} else {
		status, resp = h.getReceipts(x)
	}
	if failing {
		h.writeFault(x, f)
		return
	}
	if status == http.StatusOK && hasFault {
		resp = mutateResponse(resp, f.Kind)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		panic(err) // the fake's own types always encode
	}
	if status == http.StatusOK && f.Kind == FaultMalformedJSON {
		b = b[:len(b)/2] // an unclosed object is never valid JSON
	}
	x.write(status, jsonContentType, b)
}

// stall waits d, or until the client goes away or the fake shuts down; it
// reports whether to go on.
func (h *Handler) stall(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-h.done:
	}
	return false
}

func (h *Handler) popFault(route string) (Fault, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	q := &h.sendFaults
	if route == routeReceipts {
		q = &h.receiptFaults
	}
	if len(*q) == 0 {
		return Fault{}, false
	}
	f := (*q)[0]
	*q = (*q)[1:]
	return f, true
}

func isErrorKind(k FaultKind) bool {
	switch k {
	case FaultTooManyRequests, FaultInternalError, FaultBadGateway, FaultServiceUnavailable,
		FaultGatewayTimeout, FaultHangUp, FaultErrorsIn200, FaultCustom:
		return true
	}
	return false
}

func (h *Handler) writeFault(x *exchange, f Fault) {
	if f.RetryAfter != "" {
		x.w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch f.Kind {
	case FaultTooManyRequests:
		x.json(http.StatusTooManyRequests, errorsBody(newError(CodeTooManyRequests,
			fmt.Sprintf(tooManyRequestsMessageTemplate, 600), false, nil)))
	case FaultInternalError:
		x.json(http.StatusInternalServerError, errorsBody(newError(CodeInternalServerError,
			"An unknown error occurred.", true, nil)))
	case FaultBadGateway:
		x.write(http.StatusBadGateway, "text/html", []byte(badGatewayHTML))
	case FaultServiceUnavailable:
		x.write(http.StatusServiceUnavailable, "text/plain", []byte(serviceUnavailableText))
	case FaultGatewayTimeout:
		x.write(http.StatusGatewayTimeout, "text/html", []byte(gatewayTimeoutHTML))
	case FaultHangUp:
		x.rec.Status = 0
		// net/http drops the connection without logging.
		panic(http.ErrAbortHandler)
	case FaultErrorsIn200:
		x.json(http.StatusOK, errorsBody(newError(CodeInternalServerError,
			"An unknown error occurred.", false, nil)))
	case FaultCustom:
		x.write(f.Status, f.ContentType, []byte(f.Body))
	}
}

func mutateResponse(resp any, kind FaultKind) any {
	switch r := resp.(type) {
	case sendResponse:
		switch kind {
		case FaultWrongTicketCount:
			return sendResponse{Data: r.Data[:len(r.Data)-1]}
		case FaultTicketObject:
			if len(r.Data) == 1 {
				return struct {
					Data ticketJSON `json:"data"`
				}{r.Data[0]}
			}
		}
	case receiptsResponse:
		if kind == FaultWrongTicketCount {
			return sendResponse{Data: []ticketJSON{}}
		}
	}
	return resp
}

// readBody reads and gunzips the body into x.rec.Body.
func (x *exchange) readBody() (int, *errorObject) {
	var rd io.Reader = http.MaxBytesReader(x.w, x.r.Body, maxRequestBytes)
	switch enc := strings.ToLower(strings.TrimSpace(x.r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		x.rec.Gzipped = true
		zr, err := gzip.NewReader(rd)
		if err != nil {
			e := newError(CodeValidationError, "The request body could not be decompressed: "+err.Error(), false, nil)
			return http.StatusBadRequest, &e
		}
		defer zr.Close()
		rd = io.LimitReader(zr, maxRequestBytes+1)
	default:
		e := newError(CodeValidationError, fmt.Sprintf("Unsupported Content-Encoding %q.", enc), false, nil)
		return http.StatusUnsupportedMediaType, &e
	}
	b, err := io.ReadAll(rd)
	if err != nil {
		e := newError(CodeValidationError, "The request body could not be read: "+err.Error(), false, nil)
		return http.StatusBadRequest, &e
	}
	if len(b) > maxRequestBytes {
		e := newError(CodeValidationError, "The request body is too large.", false, nil)
		return http.StatusRequestEntityTooLarge, &e
	}
	x.rec.Body = b
	return 0, nil
}

func (h *Handler) authorize(x *exchange) bool {
	h.mu.Lock()
	want := h.accessToken
	h.mu.Unlock()
	if want == "" {
		return true
	}
	auth := x.r.Header.Get("Authorization")
	if auth == "" {
		x.json(http.StatusUnauthorized, errorsBody(newError(CodeUnauthorized, missingTokenMessage, false, nil)))
		return false
	}
	if got, ok := strings.CutPrefix(auth, "Bearer "); !ok || got != want {
		x.json(http.StatusUnauthorized, map[string]string{
			"error":             "invalid_token",
			"error_description": invalidTokenErrorDescription,
		})
		return false
	}
	return true
}

func (x *exchange) json(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	x.write(status, jsonContentType, b)
}

// write answers, gzipping larger bodies when the client accepts it, as Expo
// does.
func (x *exchange) write(status int, contentType string, b []byte) {
	hdr := x.w.Header()
	if contentType != "" {
		hdr.Set("Content-Type", contentType)
	}
	if len(b) > gzipResponseThreshold && strings.Contains(x.r.Header.Get("Accept-Encoding"), "gzip") {
		var buf bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, _ = zw.Write(b)
		_ = zw.Close()
		gzipWriters.Put(zw)
		b = buf.Bytes()
		hdr.Set("Content-Encoding", "gzip")
		hdr.Add("Vary", "Accept-Encoding")
	}
	x.w.WriteHeader(status)
	_, _ = x.w.Write(b)
	x.rec.Status = status
}

// gzipWriters recycles compressors, which are large (about 1 MB each).
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// errorObject is Expo's error object.
type errorObject struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	Type        string `json:"type"`
	IsTransient bool   `json:"isTransient"`
	RequestID   string `json:"requestId"`
	Details     any    `json:"details,omitempty"`
}

func newError(code, message string, transient bool, details any) errorObject {
	typ := "USER"
	if code == CodeInternalServerError {
		typ = "SERVER"
	}
	return errorObject{Code: code, Message: message, Type: typ, IsTransient: transient,
		RequestID: newUUID(time.Now()), Details: details}
}

func errorsBody(e errorObject) any {
	return struct {
		Errors []errorObject `json:"errors"`
	}{[]errorObject{e}}
}

type ticketJSON struct {
	Status  string       `json:"status"`
	ID      string       `json:"id,omitempty"`
	Message string       `json:"message,omitempty"`
	Details *detailsJSON `json:"details,omitempty"`
}

type detailsJSON struct {
	Error         string `json:"error,omitempty"`
	ExpoPushToken string `json:"expoPushToken,omitempty"`
}

type sendResponse struct {
	Data []ticketJSON `json:"data"`
}

type receiptsResponse struct {
	Data map[string]ticketJSON `json:"data"`
}

// wireMessage decodes the fields of Message; "to" is checked by hand.
type wireMessage struct {
	To                json.RawMessage `json:"to"`
	Title             string          `json:"title"`
	Subtitle          string          `json:"subtitle"`
	Body              string          `json:"body"`
	Data              map[string]any  `json:"data"`
	Sound             any             `json:"sound"`
	Badge             *int            `json:"badge"`
	TTL               *int            `json:"ttl"`
	Expiration        *int64          `json:"expiration"`
	Priority          string          `json:"priority"`
	ChannelID         string          `json:"channelId"`
	CategoryID        string          `json:"categoryId"`
	CollapseID        string          `json:"collapseId"`
	Tag               string          `json:"tag"`
	ThreadID          string          `json:"threadId"`
	InterruptionLevel string          `json:"interruptionLevel"`
	MutableContent    bool            `json:"mutableContent"`
	ContentAvailable  bool            `json:"contentAvailable"`
}

// decodeMessage decodes message number i or returns a validation message
// naming the offending path, like Expo's.
func decodeMessage(i int, raw json.RawMessage) (Message, string) {
	var w wireMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if te.Field == "" {
				return Message{}, fmt.Sprintf(`"[%d]" must be of type object`, i)
			}
			return Message{}, fmt.Sprintf(`"[%d].%s" must be of type %s`, i, te.Field, te.Type)
		}
		return Message{}, fmt.Sprintf(`"[%d]" is not valid JSON`, i)
	}
	m := Message{
		Title: w.Title, Subtitle: w.Subtitle, Body: w.Body, Data: w.Data, Sound: w.Sound,
		Badge: w.Badge, TTL: w.TTL, Expiration: w.Expiration, Priority: w.Priority,
		ChannelID: w.ChannelID, CategoryID: w.CategoryID, CollapseID: w.CollapseID, Tag: w.Tag,
		ThreadID: w.ThreadID, InterruptionLevel: w.InterruptionLevel,
		MutableContent: w.MutableContent, ContentAvailable: w.ContentAvailable, Raw: raw,
	}
	to := bytes.TrimSpace(w.To)
	switch {
	case len(to) == 0 || string(to) == "null":
		return m, fmt.Sprintf(`"[%d].to" is required`, i)
	case to[0] == '"':
		var s string
		if err := json.Unmarshal(to, &s); err != nil {
			return m, fmt.Sprintf(`"[%d].to" must be a string`, i)
		}
		m.To = []string{s}
	case to[0] == '[':
		if err := json.Unmarshal(to, &m.To); err != nil {
			return m, fmt.Sprintf(`"[%d].to" must be an array of strings`, i)
		}
		if len(m.To) == 0 {
			return m, fmt.Sprintf(`"[%d].to" must contain at least 1 items`, i)
		}
		if len(m.To) > MaxNotificationsPerRequest {
			return m, fmt.Sprintf(`"[%d].to" must contain less than or equal to %d items`, i, MaxNotificationsPerRequest)
		}
	default:
		return m, fmt.Sprintf(`"[%d].to" must be one of [string, array]`, i)
	}
	for _, t := range m.To {
		if t == "" {
			return m, fmt.Sprintf(`"[%d].to" must not contain empty strings`, i)
		}
	}
	return m, ""
}

func validationError(message string) (int, any) {
	return http.StatusBadRequest, errorsBody(newError(CodeValidationError, message, false, nil))
}

func (h *Handler) send(x *exchange) (int, any) {
	body := bytes.TrimSpace(x.rec.Body)
	var raws []json.RawMessage
	switch {
	case len(body) > 0 && body[0] == '[':
		if err := json.Unmarshal(body, &raws); err != nil {
			return validationError(`"value" must be valid JSON: ` + err.Error())
		}
		if len(raws) == 0 {
			return validationError(`"value" must contain at least 1 items`)
		}
	case len(body) > 0 && body[0] == '{':
		raws = []json.RawMessage{body}
	default:
		return validationError(`"value" must be of type object or array`)
	}
	msgs := make([]Message, 0, len(raws))
	total := 0
	for i, raw := range raws {
		m, problem := decodeMessage(i, raw)
		if problem != "" {
			x.rec.Messages = msgs
			return validationError(problem)
		}
		msgs = append(msgs, m)
		total += len(m.To)
	}
	x.rec.Messages = msgs
	if total > MaxNotificationsPerRequest {
		return http.StatusBadRequest, errorsBody(newError(CodePushTooManyNotifications, fmt.Sprintf(
			"You are trying to send more than %d push notifications in one request; the maximum of %d notifications per request was exceeded (received %d).",
			MaxNotificationsPerRequest, MaxNotificationsPerRequest, total), false, nil))
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	byProject := map[string][]string{}
	for _, m := range msgs {
		for _, t := range m.To {
			p := h.projects[t]
			if p == "" {
				p = DefaultProject
			}
			byProject[p] = append(byProject[p], t)
		}
	}
	if len(byProject) > 1 {
		return http.StatusBadRequest, errorsBody(newError(CodePushTooManyExperienceIDs,
			"All push notification messages in the same request must be for the same project; check the details field to investigate conflicting tokens.",
			false, byProject))
	}
	now := h.now()
	if h.rateLimit > 0 {
		cut := now.Add(-time.Second)
		kept, sum := h.rateWindow[:0], 0
		for _, e := range h.rateWindow {
			if e.at.After(cut) {
				kept = append(kept, e)
				sum += e.n
			}
		}
		h.rateWindow = kept
		if sum+total > h.rateLimit {
			return http.StatusTooManyRequests, errorsBody(newError(CodeTooManyRequests,
				fmt.Sprintf(tooManyRequestsMessageTemplate, h.rateLimit), false, nil))
		}
		h.rateWindow = append(h.rateWindow, rateEntry{at: now, n: total})
	}

	tickets := make([]ticketJSON, 0, total)
	for _, m := range msgs {
		for _, token := range m.To {
			t := h.ticketFor(now, m, token)
			tickets = append(tickets, t)
			n := Notification{Token: token, Message: m, TicketID: t.ID}
			if t.Details != nil {
				n.Error = t.Details.Error
			}
			h.notifications = append(h.notifications, n)
		}
	}
	h.messages = append(h.messages, msgs...)
	return http.StatusOK, sendResponse{Data: tickets}
}

// ticketFor makes the ticket of one recipient; h.mu is held.
func (h *Handler) ticketFor(now time.Time, m Message, token string) ticketJSON {
	if !validToken(token) {
		return ticketJSON{Status: "error",
			Message: fmt.Sprintf("%q is not a valid Expo push token", token),
			Details: &detailsJSON{Error: ticketCodeDeviceNotRegistered, ExpoPushToken: token}}
	}
	if code, ok := h.ticketErrors[token]; ok {
		return ticketJSON{Status: "error", Message: errorMessage(code, token),
			Details: &detailsJSON{Error: code, ExpoPushToken: token}}
	}
	if h.maxPayloadBytes > 0 && len(m.Raw) > h.maxPayloadBytes {
		return ticketJSON{Status: "error", Message: errorMessage(ticketCodeMessageTooBig, token),
			Details: &detailsJSON{Error: ticketCodeMessageTooBig}}
	}
	id := newUUID(time.Now())
	h.receipts[id] = storedReceipt{token: token, code: h.receiptErrors[token], readyAt: now.Add(h.receiptDelay)}
	return ticketJSON{Status: "ok", ID: id}
}

func errorMessage(code, token string) string {
	switch code {
	case ticketCodeDeviceNotRegistered:
		return fmt.Sprintf("%q is not a registered push notification recipient", token)
	case ticketCodeMessageTooBig:
		return "The notification payload is larger than the maximum of 4096 bytes."
	case "MessageRateExceeded":
		return "Too many messages were sent to this device; slow down."
	case "InvalidCredentials":
		return "The push notification credentials for your project are invalid (InvalidProviderToken)."
	case "MismatchSenderId":
		return "The FCM sender ID does not match the server key of your project."
	}
	return fmt.Sprintf("The notification could not be delivered (%s).", code)
}

// validToken accepts the bracket forms with a non-empty inside, as Expo's
// server rejects other strings with an error ticket.
func validToken(t string) bool {
	inner, ok := strings.CutPrefix(t, "ExponentPushToken[")
	if !ok {
		inner, ok = strings.CutPrefix(t, "ExpoPushToken[")
	}
	if !ok {
		return false
	}
	inner, ok = strings.CutSuffix(inner, "]")
	return ok && inner != ""
}

func (h *Handler) getReceipts(x *exchange) (int, any) {
	var req struct {
		IDs json.RawMessage `json:"ids"`
	}
	if err := json.Unmarshal(x.rec.Body, &req); err != nil {
		return validationError(`"value" must be of type object`)
	}
	if ids := bytes.TrimSpace(req.IDs); len(ids) == 0 || string(ids) == "null" {
		return validationError(`"ids" is required`)
	}
	var ids []string
	if err := json.Unmarshal(req.IDs, &ids); err != nil {
		return validationError(`"ids" must be an array of strings`)
	}
	x.rec.ReceiptIDs = ids
	if len(ids) > MaxReceiptIDsPerRequest {
		return http.StatusBadRequest, errorsBody(newError(CodePushTooManyReceipts, fmt.Sprintf(
			"You can request a maximum of %d receipts per request (received %d); divide your requests.",
			MaxReceiptIDsPerRequest, len(ids)), false, nil))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	out := make(map[string]ticketJSON, len(ids))
	for _, id := range ids {
		r, ok := h.receipts[id]
		if !ok || now.Before(r.readyAt) {
			continue
		}
		if r.code == "" {
			out[id] = ticketJSON{Status: "ok"}
			continue
		}
		d := &detailsJSON{Error: r.code}
		if r.code == ticketCodeDeviceNotRegistered {
			d.ExpoPushToken = r.token
		}
		out[id] = ticketJSON{Status: "error", Message: errorMessage(r.code, r.token), Details: d}
	}
	return http.StatusOK, receiptsResponse{Data: out}
}

// newUUID returns a version 7 UUID string.
func newUUID(now time.Time) string {
	var b [16]byte
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	_, _ = rand.Read(b[6:])
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
