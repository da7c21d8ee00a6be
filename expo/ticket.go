package expo

import (
	"errors"
	"fmt"
)

// Values of Ticket.Status and Receipt.Status. Anything but StatusOK,
// including a missing status, is treated as an error.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// Values of Details.Error seen in tickets and receipts.
const (
	// CodeDeviceNotRegistered: the token is dead; stop sending to it.
	CodeDeviceNotRegistered = "DeviceNotRegistered"
	// CodeMessageTooBig: the provider payload exceeded 4096 bytes.
	CodeMessageTooBig = "MessageTooBig"
	// CodeMessageRateExceeded: too many messages to that device (or Expo
	// was overloaded); retry later, slowly.
	CodeMessageRateExceeded = "MessageRateExceeded"
	// CodeMismatchSenderID: FCM credentials and sender id do not match.
	CodeMismatchSenderID = "MismatchSenderId"
	// CodeInvalidCredentials: the project's push credentials are invalid.
	CodeInvalidCredentials = "InvalidCredentials"
	// CodeExpoError is a generic error inside Expo.
	CodeExpoError = "ExpoError"
	// CodeProviderError is a generic error from FCM or APNs.
	CodeProviderError = "ProviderError"
	// CodeDeveloperError is a generic error caused by the request.
	CodeDeveloperError = "DeveloperError"
)

// ErrDeviceNotRegistered matches, with errors.Is, the error of a ticket or
// receipt whose code is DeviceNotRegistered (see [Ticket.Err]).
var ErrDeviceNotRegistered = errors.New("expo: device not registered")

// Details is the details object of an error ticket or receipt. Either field
// may be empty; unknown provider-specific keys are ignored.
type Details struct {
	// Error is the error code, one of the Code* constants or another value.
	Error string `json:"error,omitempty"`
	// ExpoPushToken is the token concerned, sent at least with
	// DeviceNotRegistered.
	ExpoPushToken string `json:"expoPushToken,omitempty"`
}

// Ticket is Expo's immediate answer for one notification. An ok ticket has
// the receipt ID to ask for later; an error ticket has a Message and usually
// Details.
type Ticket struct {
	// Status is StatusOK or StatusError.
	Status string `json:"status"`
	// ID is the receipt id of an ok ticket.
	ID string `json:"id,omitempty"`
	// Message describes an error.
	Message string `json:"message,omitempty"`
	// Details says what went wrong; it may be empty.
	Details Details `json:"details,omitzero"`
}

// Receipt reports whether FCM or APNs accepted a notification (not whether
// the device showed it). An ok receipt may carry Details as well.
type Receipt struct {
	// Status is StatusOK or StatusError.
	Status string `json:"status"`
	// Message describes an error.
	Message string `json:"message,omitempty"`
	// Details says what went wrong; it may be empty.
	Details Details `json:"details,omitzero"`
}

// OK reports whether the ticket's status is "ok".
func (t Ticket) OK() bool { return t.Status == StatusOK }

// DeviceNotRegistered reports whether the ticket says the token is dead and
// should be cleared.
func (t Ticket) DeviceNotRegistered() bool {
	return !t.OK() && t.Details.Error == CodeDeviceNotRegistered
}

// Class classifies the ticket's outcome; see [Classify].
func (t Ticket) Class() Class { return classify(t.Status, t.Details.Error) }

// Err returns nil for an ok ticket, else a [*PushError] describing it.
func (t Ticket) Err() error {
	if t.OK() {
		return nil
	}
	return &PushError{Code: t.Details.Error, Message: t.Message, ExpoPushToken: t.Details.ExpoPushToken}
}

// OK reports whether the receipt's status is "ok".
func (r Receipt) OK() bool { return r.Status == StatusOK }

// DeviceNotRegistered reports whether the receipt says the token is dead and
// should be cleared.
func (r Receipt) DeviceNotRegistered() bool {
	return !r.OK() && r.Details.Error == CodeDeviceNotRegistered
}

// Class classifies the receipt's outcome; see [Classify].
func (r Receipt) Class() Class { return classify(r.Status, r.Details.Error) }

// Err returns nil for an ok receipt, else a [*PushError] describing it.
func (r Receipt) Err() error {
	if r.OK() {
		return nil
	}
	return &PushError{Code: r.Details.Error, Message: r.Message, ExpoPushToken: r.Details.ExpoPushToken}
}

// PushError is the error of one notification, from an error ticket or an
// error receipt. errors.Is(err, ErrDeviceNotRegistered) holds when Code is
// DeviceNotRegistered.
type PushError struct {
	// Code is details.error; it may be empty.
	Code string
	// Message is Expo's description.
	Message string
	// ExpoPushToken is details.expoPushToken, when present.
	ExpoPushToken string
}

// Error implements error.
func (e *PushError) Error() string {
	code := e.Code
	if code == "" {
		code = "unknown error"
	}
	if e.Message == "" {
		return "expo: " + code
	}
	return fmt.Sprintf("expo: %s: %s", code, e.Message)
}

// Is makes errors.Is(err, ErrDeviceNotRegistered) work.
func (e *PushError) Is(target error) bool {
	return target == ErrDeviceNotRegistered && e.Code == CodeDeviceNotRegistered
}

// Class is what to do about a ticket or receipt.
type Class int

const (
	// ClassOK: the notification was accepted.
	ClassOK Class = iota
	// ClassDeviceNotRegistered: the token is dead; clear it and do not
	// retry.
	ClassDeviceNotRegistered
	// ClassRetryLater: a transient problem (MessageRateExceeded, ExpoError,
	// ProviderError); the message may be sent again later, a bounded number
	// of times, with growing delays.
	ClassRetryLater
	// ClassPermanent: retrying the same message will not help
	// (MessageTooBig, MismatchSenderId, InvalidCredentials, DeveloperError,
	// or a missing or unknown code). Log it; leave the token alone.
	ClassPermanent
)

// String returns the class's name.
func (c Class) String() string {
	switch c {
	case ClassOK:
		return "ok"
	case ClassDeviceNotRegistered:
		return "device-not-registered"
	case ClassRetryLater:
		return "retry-later"
	case ClassPermanent:
		return "permanent"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Classify maps a details.error code of an error ticket or receipt to a
// Class. It never returns ClassOK; use [Ticket.Class] or [Receipt.Class] to
// take the status into account.
func Classify(code string) Class {
	switch code {
	case CodeDeviceNotRegistered:
		return ClassDeviceNotRegistered
	case CodeMessageRateExceeded, CodeExpoError, CodeProviderError:
		return ClassRetryLater
	}
	return ClassPermanent
}

// IsRetryableLater reports whether an error ticket or receipt with this
// details.error code may be sent again later.
func IsRetryableLater(code string) bool { return Classify(code) == ClassRetryLater }

func classify(status, code string) Class {
	if status == StatusOK {
		return ClassOK
	}
	return Classify(code)
}
