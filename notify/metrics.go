package notify

import (
	"context"
	"errors"
	"time"

	"circly/expo"
	"circly/metrics"
)

// observe adds one run's report and duration to the app's metrics. The
// report's outcomes are those committed in the run.
func (n *Notifier) observe(rep Report, took time.Duration, err error) {
	m := n.metrics
	m.PushSent.Add(rep.Sent)
	m.PushFailed.Add(rep.Failed)
	m.PushRetried.Add(rep.Retrying)
	m.PushSkipped.Add(rep.Skipped)
	m.PushReceipts.Add(rep.Receipts)
	m.PushTokensCleared.Add(rep.TokensCleared)
	m.Dispatch.Observe(took, time.Now(), err != nil)
}

// noteSend counts Expo's answer to one notification when it is an error:
// an error ticket by its class, a failed request by what failed. A send
// cut short by shutdown is not Expo's error and is not counted.
func (n *Notifier) noteSend(res expo.SendResult) {
	switch {
	case res.Err != nil:
		n.noteRequestError(res.Err)
	case !res.Ticket.OK():
		n.metrics.ExpoErrors.Inc(answerClass(res.Ticket.Class()))
	}
}

// noteRequestError counts a failed request to Expo (nil: none).
func (n *Notifier) noteRequestError(err error) {
	if err == nil {
		return
	}
	if class := requestErrorClass(err); class != "" {
		n.metrics.ExpoErrors.Inc(class)
	}
}

// answerClass names the class of an error ticket or receipt.
func answerClass(c expo.Class) string {
	switch c {
	case expo.ClassDeviceNotRegistered:
		return metrics.ExpoDeviceNotRegistered
	case expo.ClassRetryLater:
		return metrics.ExpoRetryLater
	case expo.ClassPermanent:
		return metrics.ExpoPermanent
	}
	return metrics.ExpoOther
}

// requestErrorClass names the class of a failed request to Expo, or ""
// when the request was cut short by shutdown.
func requestErrorClass(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return ""
	}
	var re *expo.RequestError
	switch {
	case !errors.As(err, &re):
		return metrics.ExpoRequestFailed
	case errors.Is(re, expo.ErrUnauthorized):
		return metrics.ExpoUnauthorized
	case re.Retryable():
		return metrics.ExpoRequestTransient
	}
	return metrics.ExpoRequestFailed
}
