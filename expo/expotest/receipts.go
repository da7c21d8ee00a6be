package expotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// getReceipts answers POST push/getReceipts: the ready receipts of the ids.
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
