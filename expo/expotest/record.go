package expotest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// Request is the record of one request the fake received.
type Request struct {
	// Method and Path are the request's (Path includes the base path).
	Method string
	Path   string
	// Header is a copy of the request headers.
	Header http.Header
	// Gzipped reports whether the body came with Content-Encoding: gzip.
	Gzipped bool
	// Body is the decoded (gunzipped) body.
	Body []byte
	// Messages are the decoded messages of a push/send request, when the
	// body could be decoded.
	Messages []Message
	// ReceiptIDs are the ids of a push/getReceipts request.
	ReceiptIDs []string
	// Status is the HTTP status answered; 0 if the connection was dropped
	// or the client went away.
	Status int
	// Fault is the fault applied to this request, if any.
	Fault FaultKind
	// At is when the request arrived, by the fake's clock.
	At time.Time
}

// Message is a decoded Expo message as the fake received it.
type Message struct {
	// To lists the recipients (a single "to" string becomes one entry).
	To []string
	// Common fields, decoded for convenience.
	Title             string
	Subtitle          string
	Body              string
	Data              map[string]any
	Sound             any
	Badge             *int
	TTL               *int
	Expiration        *int64
	Priority          string
	ChannelID         string
	CategoryID        string
	CollapseID        string
	Tag               string
	ThreadID          string
	InterruptionLevel string
	MutableContent    bool
	ContentAvailable  bool
	// Raw is the message's JSON as sent, for any other assertion.
	Raw json.RawMessage
}

// Notification is one recipient of an accepted message and the ticket the
// fake answered for it.
type Notification struct {
	// Token is the recipient.
	Token string
	// Message is the message it was part of.
	Message Message
	// TicketID is the receipt id of an ok ticket, else empty.
	TicketID string
	// Error is the error code of an error ticket, else empty.
	Error string
}

// locked returns get's result, read with h.mu held.
func locked[T any](h *Handler, get func() T) T {
	h.mu.Lock()
	defer h.mu.Unlock()
	return get()
}

// Requests returns a copy of every request received so far, in order of
// completion.
func (h *Handler) Requests() []Request {
	return locked(h, func() []Request { return slices.Clone(h.requests) })
}

// SendRequests returns how many requests reached POST push/send, whatever
// their outcome.
func (h *Handler) SendRequests() int {
	return locked(h, func() int { return h.sendRequests })
}

// ReceiptRequests returns how many requests reached POST push/getReceipts,
// whatever their outcome.
func (h *Handler) ReceiptRequests() int {
	return locked(h, func() int { return h.receiptRequests })
}

// Messages returns every message of every accepted push/send request (one
// that got tickets), in order, including messages answered with error
// tickets. A message resent after a lost answer appears twice.
func (h *Handler) Messages() []Message {
	return locked(h, func() []Message { return slices.Clone(h.messages) })
}

// MessagesTo returns the accepted messages addressed to token, in order.
func (h *Handler) MessagesTo(token string) []Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Message
	for _, m := range h.messages {
		if slices.Contains(m.To, token) {
			out = append(out, m)
		}
	}
	return out
}

// Notifications returns one entry per recipient of every accepted message,
// with its ticket, in order.
func (h *Handler) Notifications() []Notification {
	return locked(h, func() []Notification { return slices.Clone(h.notifications) })
}

// InFlight returns how many requests are being handled right now.
func (h *Handler) InFlight() int {
	return locked(h, func() int { return h.inFlight })
}

// MaxInFlight returns the largest number of requests handled at the same
// time since the start or the last Reset.
func (h *Handler) MaxInFlight() int {
	return locked(h, func() int { return h.maxInFlight })
}

// Reset forgets recorded requests, messages, notifications, counters and
// queued faults. Scripted tokens, projects, settings and stored receipts
// stay.
func (h *Handler) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests, h.messages, h.notifications = nil, nil, nil
	h.sendRequests, h.receiptRequests = 0, 0
	h.maxInFlight = h.inFlight
	h.sendFaults, h.receiptFaults = nil, nil
	h.rateWindow = nil
}
