package expotest

import "time"

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
