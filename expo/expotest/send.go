package expotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// send answers POST push/send: validation, then the project and rate-limit
// checks, then one ticket per recipient.
func (h *Handler) send(x *exchange) (int, any) {
	msgs, total, problem := decodeSendBody(x)
	if problem != "" {
		return validationError(problem)
	}
	if total > MaxNotificationsPerRequest {
		return http.StatusBadRequest, errorsBody(newError(CodePushTooManyNotifications, fmt.Sprintf(
			"You are trying to send more than %d push notifications in one request; the maximum of %d notifications per request was exceeded (received %d).",
			MaxNotificationsPerRequest, MaxNotificationsPerRequest, total), false, nil))
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if byProject := h.tokensByProject(msgs); len(byProject) > 1 {
		return http.StatusBadRequest, errorsBody(newError(CodePushTooManyExperienceIDs,
			"All push notification messages in the same request must be for the same project; check the details field to investigate conflicting tokens.",
			false, byProject))
	}
	now := h.now()
	if h.overRateLimit(now, total) {
		return http.StatusTooManyRequests, errorsBody(newError(CodeTooManyRequests,
			fmt.Sprintf(tooManyRequestsMessageTemplate, h.rateLimit), false, nil))
	}
	return http.StatusOK, sendResponse{Data: h.accept(now, msgs, total)}
}

// decodeSendBody decodes the messages of a push/send body into
// x.rec.Messages and counts their recipients; problem is the validation
// message of a bad body.
func decodeSendBody(x *exchange) (msgs []Message, total int, problem string) {
	raws, problem := splitBody(bytes.TrimSpace(x.rec.Body))
	if problem != "" {
		return nil, 0, problem
	}
	msgs = make([]Message, 0, len(raws))
	for i, raw := range raws {
		m, problem := decodeMessage(i, raw)
		if problem != "" {
			x.rec.Messages = msgs
			return nil, 0, problem
		}
		msgs = append(msgs, m)
		total += len(m.To)
	}
	x.rec.Messages = msgs
	return msgs, total, ""
}

// splitBody accepts an array of messages or a single message.
func splitBody(body []byte) ([]json.RawMessage, string) {
	var raws []json.RawMessage
	switch {
	case len(body) > 0 && body[0] == '[':
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, `"value" must be valid JSON: ` + err.Error()
		}
		if len(raws) == 0 {
			return nil, `"value" must contain at least 1 items`
		}
	case len(body) > 0 && body[0] == '{':
		raws = []json.RawMessage{body}
	default:
		return nil, `"value" must be of type object or array`
	}
	return raws, ""
}

// tokensByProject groups the recipients of msgs by project; h.mu is held.
func (h *Handler) tokensByProject(msgs []Message) map[string][]string {
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
	return byProject
}

// overRateLimit reports whether n more notifications at now would exceed
// the rate limit over the last second; if not, it counts them. h.mu is held.
func (h *Handler) overRateLimit(now time.Time, n int) bool {
	if h.rateLimit <= 0 {
		return false
	}
	cut := now.Add(-time.Second)
	kept, sum := h.rateWindow[:0], 0
	for _, e := range h.rateWindow {
		if e.at.After(cut) {
			kept = append(kept, e)
			sum += e.n
		}
	}
	h.rateWindow = kept
	if sum+n > h.rateLimit {
		return true
	}
	h.rateWindow = append(h.rateWindow, rateEntry{at: now, n: n})
	return false
}

// accept makes the tickets of msgs, which have total recipients, and
// records the messages and notifications; h.mu is held.
func (h *Handler) accept(now time.Time, msgs []Message, total int) []ticketJSON {
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
	return tickets
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
