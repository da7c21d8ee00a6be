// Package expo is a small client for Expo's HTTP push API
// (https://exp.host/--/api/v2): POST /push/send and POST /push/getReceipts.
//
// [Client.Send] takes any number of messages, each addressed to one Expo push
// token, and returns one [SendResult] per message, in the same order. Messages
// are sent in chunks of at most 100 notifications (Expo's per-request limit,
// counted per recipient), with at most Config.MaxConcurrentRequests requests
// in flight per Client. Sends are paced by a token bucket over notifications
// per second (Expo allows 600/s per project), shared by every chunk and every
// concurrent Send of the Client, retries included. Request bodies larger than
// 1024 bytes of JSON are gzip-compressed. The Authorization header is sent
// only when an access token ("enhanced push security") is configured.
//
// A chunk either yields one [Ticket] per message, or, when the whole request
// failed, the same error for every message of the chunk; the error is usually
// a [*RequestError]. A ticket with status "error" is not a request failure:
// the other tickets of the request are valid and nothing must be resent as a
// batch. Use [Ticket.DeviceNotRegistered] to find tokens to clear and
// [Ticket.Class] to decide whether a message may be retried later.
//
// Failed requests are retried when the failure is transient: network errors
// and timeouts, HTTP 429, HTTP 5xx (whatever the body, which may be HTML from
// a gateway) and error objects marked isTransient. Waits grow exponentially
// (Config.BaseBackoff, factor 2, capped at Config.MaxBackoff) with full
// jitter, up to Config.MaxAttempts attempts in all. A Retry-After header, if
// Expo ever sends one, replaces the computed wait; when it asks for more than
// MaxBackoff the request is not retried and the error carries RetryAfter so
// the caller can reschedule. Other 4xx answers (VALIDATION_ERROR, 401 in both
// of its shapes, PUSH_TOO_MANY_*) are never retried. A 200 whose body cannot
// be decoded, or whose ticket count differs from the notification count, is
// an error and is not retried either, because Expo has most likely accepted
// the batch already and a retry would duplicate it. Cancelling the context
// stops waiting at once.
//
// [Client.GetReceipts] fetches push receipts in chunks of at most 1000 ids
// with the same retry policy (the call is idempotent) and no pacing. Ids that
// have no receipt yet, or any more, are simply absent from the result.
//
// Delivery through Expo is at least once: a retried 5xx or timeout may have
// been accepted by Expo already, so a notification can, rarely, arrive twice.
package expo
