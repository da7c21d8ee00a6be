package expotest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// exchange is one request being handled and its record.
type exchange struct {
	w   http.ResponseWriter
	r   *http.Request
	rec Request
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x, latency := h.begin(w, r)
	defer h.end(x)

	if !h.stall(r.Context(), latency) {
		return
	}
	route, ok := h.route(x)
	if !ok {
		return
	}
	if status, e := x.readBody(); e != nil {
		x.json(status, errorsBody(*e))
		return
	}
	if !h.authorize(x) {
		return
	}
	h.serveRoute(x, route)
}

// begin counts the request in flight and starts its record; it returns the
// latency to apply.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request) (*exchange, time.Duration) {
	h.mu.Lock()
	h.inFlight++
	h.maxInFlight = max(h.maxInFlight, h.inFlight)
	latency, now := h.latency, h.now()
	h.mu.Unlock()
	x := &exchange{w: w, r: r, rec: Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), At: now}}
	return x, latency
}

// end records the finished request (deferred, so it runs also when
// FaultHangUp aborts the handler).
func (h *Handler) end(x *exchange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inFlight--
	h.requests = append(h.requests, x.rec)
}

// route returns the request's route and counts the request, or answers 404
// or 405 and reports false.
func (h *Handler) route(x *exchange) (string, bool) {
	route, ok := strings.CutPrefix(x.r.URL.Path, h.basePath)
	if !ok || (route != routeSend && route != routeReceipts) {
		x.write(http.StatusNotFound, "text/plain; charset=utf-8", []byte("404 page not found\n"))
		return "", false
	}
	if x.r.Method != http.MethodPost {
		x.w.Header().Set("Allow", http.MethodPost)
		x.write(http.StatusMethodNotAllowed, "text/plain; charset=utf-8", []byte("405 method not allowed\n"))
		return "", false
	}
	h.mu.Lock()
	if route == routeSend {
		h.sendRequests++
	} else {
		h.receiptRequests++
	}
	h.mu.Unlock()
	return route, true
}

// serveRoute handles an authorized request to route, spoiled by the next
// queued fault, if any.
func (h *Handler) serveRoute(x *exchange, route string) {
	f, hasFault := h.popFault(route)
	x.rec.Fault = f.Kind
	if hasFault && f.Kind == FaultDelay && !h.stall(x.r.Context(), f.Delay) {
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
	x.writeResult(status, resp, f, hasFault)
}

// writeResult answers the route's result, spoiled by the non-error fault f
// when hasFault.
func (x *exchange) writeResult(status int, resp any, f Fault, hasFault bool) {
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
