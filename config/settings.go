package config

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Setting is one effective setting as an operator would write it: the
// environment variable and its value in that variable's unit.
type Setting struct {
	Field string // the Config field
	Env   string // the CIRCLY_* variable
	Value string // secrets show "set" or "unset", never their value
}

// Settings lists every field of c, in the README's order, with secrets
// redacted: the Expo access token shows "set" or "unset", and a user or
// password in the Expo URL shows as "redacted". secretFile is the key file
// in effect (c.SecretFile, or the data dir's default when that is empty);
// it is a path, not a secret.
func (c Config) Settings(secretFile string) []Setting {
	seconds := func(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }
	return []Setting{
		{"ResultsMinVotes", "CIRCLY_RESULTS_MIN_VOTES", strconv.Itoa(c.ResultsMinVotes)},
		{"ExpoBaseURL", "CIRCLY_EXPO_BASE_URL", redactURL(c.ExpoBaseURL)},
		{"ExpoAccessToken", "CIRCLY_EXPO_ACCESS_TOKEN", setOrUnset(c.ExpoAccessToken)},
		{"ExpoRate", "CIRCLY_EXPO_RATE", strconv.Itoa(c.ExpoRate)},
		{"DispatchInterval", "CIRCLY_DISPATCH_INTERVAL", seconds(c.DispatchInterval)},
		{"ReceiptDelay", "CIRCLY_RECEIPT_DELAY", seconds(c.ReceiptDelay)},
		{"OutboxRetention", "CIRCLY_OUTBOX_RETENTION_DAYS", strconv.FormatInt(int64(c.OutboxRetention/(24*time.Hour)), 10)},
		{"JoinPerUserLimit", "CIRCLY_JOIN_PER_USER_PER_MINUTE", strconv.Itoa(c.JoinPerUserLimit)},
		{"ReportHideAt", "CIRCLY_REPORT_HIDE_AT", strconv.Itoa(c.ReportHideAt)},
		{"PollsPerDay", "CIRCLY_POLLS_PER_DAY", strconv.Itoa(c.PollsPerDay)},
		{"OpenPollsMax", "CIRCLY_OPEN_POLLS_MAX", strconv.Itoa(c.OpenPollsMax)},
		{"ReplicaURL", "CIRCLY_REPLICA_URL", redactURL(c.ReplicaURL)},
		{"ReplicaS3Endpoint", "CIRCLY_REPLICA_S3_ENDPOINT", redactURL(c.ReplicaS3Endpoint)},
		{"ReplicaSyncInterval", "CIRCLY_REPLICA_SYNC_INTERVAL", c.ReplicaSyncInterval.String()},
		{"ReplicaRetention", "CIRCLY_REPLICA_RETENTION", c.ReplicaRetention.String()},
		{"SecretFile", "CIRCLY_SECRET_FILE", secretFile},
	}
}

// SettingsLine renders settings as space-separated KEY=VALUE pairs, a
// value quoted when it has spaces or quotes.
func SettingsLine(settings []Setting) string {
	parts := make([]string, len(settings))
	for i, s := range settings {
		v := s.Value
		if v == "" || strings.ContainsAny(v, " \t\"'\\") {
			v = strconv.Quote(v)
		}
		parts[i] = s.Env + "=" + v
	}
	return strings.Join(parts, " ")
}

func setOrUnset(secret string) string {
	if secret == "" {
		return "unset"
	}
	return "set"
}

// redactURL hides the user and password of a URL, if it has any.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	if u.User != nil {
		u.User = url.User("redacted")
	}
	return u.String()
}
