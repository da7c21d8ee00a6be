package expotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// FaultKind selects how a request is spoiled; see Fault.
type FaultKind int

// Fault kinds. Unless stated otherwise the request is not processed: its
// messages are not delivered and no tickets or receipts are created.
const (
	// FaultTooManyRequests answers 429 with a TOO_MANY_REQUESTS errors body
	// (isTransient false, so only the status says "retry").
	FaultTooManyRequests FaultKind = iota + 1
	// FaultInternalError answers 500 with an INTERNAL_SERVER_ERROR errors
	// body (isTransient true).
	FaultInternalError
	// FaultBadGateway answers 502 with an HTML page.
	FaultBadGateway
	// FaultServiceUnavailable answers 503 with a plain-text body.
	FaultServiceUnavailable
	// FaultGatewayTimeout answers 504 with nginx's HTML page.
	FaultGatewayTimeout
	// FaultHangUp closes the connection without answering (a network
	// error for the client).
	FaultHangUp
	// FaultDelay waits Fault.Delay, then answers normally (unless the
	// client has gone away by then). Use it to provoke client timeouts.
	FaultDelay
	// FaultMalformedJSON processes the request, then answers 200 with a
	// truncated JSON body.
	FaultMalformedJSON
	// FaultWrongTicketCount processes the request, then answers 200 with
	// one ticket fewer than recipients. For getReceipts it answers a
	// "data" array instead of an object.
	FaultWrongTicketCount
	// FaultErrorsIn200 answers 200 with an INTERNAL_SERVER_ERROR errors
	// body (isTransient false).
	FaultErrorsIn200
	// FaultTicketObject processes the request and, if it yields exactly
	// one ticket, answers "data" as that ticket object instead of an
	// array, as Expo may do.
	FaultTicketObject
	// FaultCustom answers Fault.Status with Fault.Body and
	// Fault.ContentType.
	FaultCustom
)

// Fault spoils one request; queue faults with Handler.FailNext or
// Handler.FailNextReceipts.
type Fault struct {
	// Kind says what happens.
	Kind FaultKind
	// Delay is the stall of FaultDelay.
	Delay time.Duration
	// RetryAfter, if set, is sent as the Retry-After header.
	RetryAfter string
	// Deliver makes the error kinds (429, 5xx, hang-up) process the request
	// first, as when Expo accepted a batch but the answer was lost: a retry
	// then delivers the messages twice.
	Deliver bool
	// Status, Body and ContentType describe the answer of FaultCustom.
	Status      int
	Body        string
	ContentType string
}

const badGatewayHTML = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

const gatewayTimeoutHTML = `<html>
<head><title>504 Gateway Time-out</title></head>
<body>
<center><h1>504 Gateway Time-out</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

const serviceUnavailableText = "upstream connect error or disconnect/reset before headers. reset reason: overflow"

// ErrorFault returns a FaultCustom that answers status with an Expo errors
// body {"errors":[{code, message, type, isTransient, requestId}]}, e.g.
// ErrorFault(400, "VALIDATION_ERROR", `"[0].to" is required`, false).
func ErrorFault(status int, code, message string, transient bool) Fault {
	b, err := json.Marshal(errorsBody(newError(code, message, transient, nil)))
	if err != nil {
		panic(err)
	}
	return Fault{Kind: FaultCustom, Status: status, Body: string(b), ContentType: jsonContentType}
}

// String returns the kind's name, e.g. "FaultTooManyRequests".
func (k FaultKind) String() string {
	names := [...]string{"none", "FaultTooManyRequests", "FaultInternalError", "FaultBadGateway",
		"FaultServiceUnavailable", "FaultGatewayTimeout", "FaultHangUp", "FaultDelay",
		"FaultMalformedJSON", "FaultWrongTicketCount", "FaultErrorsIn200", "FaultTicketObject", "FaultCustom"}
	if k >= 0 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
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
