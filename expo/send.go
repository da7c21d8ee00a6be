package expo

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
)

// gzipThreshold: bodies whose JSON is longer are gzip-compressed, as in
// Expo's Node SDK.
const gzipThreshold = 1024

// SendResult is the outcome of one Message: a Ticket when Err is nil.
type SendResult struct {
	// Ticket is Expo's ticket for the message; valid only when Err is nil.
	// It may itself be an error ticket.
	Ticket Ticket
	// Err is set when the message got no ticket: ErrNoRecipient, an
	// encoding error, a [*RequestError] (the request failed for good, ran
	// out of attempts, its answer was unusable, or ctx's deadline would
	// pass before the next attempt), or, when ctx ended, an error wrapping
	// ctx.Err() and the last RequestError, if any. All messages of a
	// failed chunk share the same error value.
	Err error
}

type encodedMessage struct {
	index int
	json  []byte
}

// Send sends msgs and returns one SendResult per message, in order. It
// returns when every message has a result; a cancelled ctx makes the
// remaining messages fail with the context's error. See the package
// documentation for chunking, pacing and retries.
func (c *Client) Send(ctx context.Context, msgs []Message) []SendResult {
	results := make([]SendResult, len(msgs))
	pending := make([]encodedMessage, 0, len(msgs))
	for i := range msgs {
		if msgs[i].To == "" {
			results[i].Err = ErrNoRecipient
			continue
		}
		// Encoded one by one so that a bad Data value fails only its
		// own message.
		b, err := json.Marshal(&msgs[i])
		if err != nil {
			results[i].Err = fmt.Errorf("expo: encoding message %d: %w", i, err)
			continue
		}
		pending = append(pending, encodedMessage{index: i, json: b})
	}
	chunks := chunksOf(pending, MaxNotificationsPerRequest)
	c.forEach(len(chunks), func(k int) { c.sendChunk(ctx, chunks[k], results) })
	return results
}

func (c *Client) sendChunk(ctx context.Context, chunk []encodedMessage, results []SendResult) {
	var tickets []json.RawMessage
	err := c.do(ctx, EndpointSend, c.sendURL, joinJSON(chunk), len(chunk), func(data json.RawMessage) error {
		ts, err := splitTickets(data)
		if err != nil {
			return err
		}
		if len(ts) != len(chunk) {
			return fmt.Errorf("%w: sent %d, got %d", ErrTicketCountMismatch, len(chunk), len(ts))
		}
		tickets = ts
		return nil
	})
	if err != nil {
		for _, m := range chunk {
			results[m.index].Err = err
		}
		return
	}
	for i, m := range chunk {
		var t Ticket
		if err := json.Unmarshal(tickets[i], &t); err != nil {
			results[m.index].Err = &RequestError{Endpoint: EndpointSend, HTTPStatus: http.StatusOK,
				Err: fmt.Errorf("%w: ticket %d: %v", ErrMalformedResponse, i, err)}
			continue
		}
		results[m.index].Ticket = t
	}
}

// joinJSON returns the JSON array of the chunk's encoded messages.
func joinJSON(chunk []encodedMessage) []byte {
	size := 1 + len(chunk)
	for _, m := range chunk {
		size += len(m.json)
	}
	body := make([]byte, 0, size)
	body = append(body, '[')
	for i, m := range chunk {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, m.json...)
	}
	return append(body, ']')
}

// splitTickets accepts data as an array of tickets or as a single ticket.
func splitTickets(data json.RawMessage) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) > 0 && data[0] == '[':
		var ts []json.RawMessage
		if err := json.Unmarshal(data, &ts); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
		return ts, nil
	case len(data) > 0 && data[0] == '{':
		return []json.RawMessage{data}, nil
	}
	return nil, fmt.Errorf("%w: data is neither a ticket array nor a ticket", ErrMalformedResponse)
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := gzipWriters.Get().(*gzip.Writer)
	w.Reset(&buf)
	// Writing to a bytes.Buffer cannot fail.
	_, _ = w.Write(b)
	_ = w.Close()
	gzipWriters.Put(w)
	return buf.Bytes()
}
