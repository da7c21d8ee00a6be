package expotest

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

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
