package expo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// GetReceipts fetches the receipts of the given receipt ids (ticket IDs).
// Ids without a receipt (not ready, expired or unknown) are absent from the
// map. Empty and duplicate ids are ignored. If some chunks fail, the map
// holds the receipts of the others and the error joins the failures.
func (c *Client) GetReceipts(ctx context.Context, ids []string) (map[string]Receipt, error) {
	unique := uniqueIDs(ids)
	chunks := chunksOf(unique, MaxReceiptIDsPerRequest)
	out := make(map[string]Receipt, len(unique))
	var mu sync.Mutex
	var errs []error
	c.forEach(len(chunks), func(k int) {
		got, err := c.fetchReceipts(ctx, chunks[k])
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, id := range chunks[k] {
			if r, ok := got[id]; ok {
				out[id] = r
			}
		}
	})
	return out, errors.Join(errs...)
}

// uniqueIDs returns ids without empty and duplicate ones, in order.
func uniqueIDs(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	unique := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, dup := seen[id]; id == "" || dup {
			continue
		}
		seen[id] = struct{}{}
		unique = append(unique, id)
	}
	return unique
}

// fetchReceipts makes the request for one chunk of ids.
func (c *Client) fetchReceipts(ctx context.Context, ids []string) (map[string]Receipt, error) {
	body, err := json.Marshal(struct {
		IDs []string `json:"ids"`
	}{ids})
	if err != nil { // cannot happen with strings
		return nil, err
	}
	var got map[string]Receipt
	err = c.do(ctx, EndpointReceipts, c.receiptsURL, body, 0, func(data json.RawMessage) error {
		data = bytes.TrimSpace(data)
		if len(data) == 0 || data[0] != '{' {
			return fmt.Errorf("%w: data is not an object", ErrMalformedResponse)
		}
		if err := json.Unmarshal(data, &got); err != nil {
			return fmt.Errorf("%w: %v", ErrMalformedResponse, err)
		}
		return nil
	})
	return got, err
}
