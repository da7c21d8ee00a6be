// Package config reads Circly's settings: CIRCLY_* environment variables
// with defaults that work with zero configuration, and an optional .env file.
package config

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config holds Circly's settings. Every field has an environment variable
// (CIRCLY_*) and a default that works with zero configuration; the README
// lists them all.
type Config struct {
	// ResultsMinVotes is how many votes a poll needs before per-option counts
	// are shown to members (CIRCLY_RESULTS_MIN_VOTES, default 3).
	ResultsMinVotes int

	// ExpoBaseURL is the Expo push API base (CIRCLY_EXPO_BASE_URL).
	ExpoBaseURL string

	// ExpoAccessToken is sent as a bearer token when set (CIRCLY_EXPO_ACCESS_TOKEN).
	ExpoAccessToken string

	// ExpoRate caps notifications per second sent to Expo; 0 turns pacing off
	// (CIRCLY_EXPO_RATE, default 600, Expo's per-project limit).
	ExpoRate int

	// DispatchInterval is how often the dispatcher runs (CIRCLY_DISPATCH_INTERVAL, seconds, default 15).
	DispatchInterval time.Duration

	// ReceiptDelay is how long after sending the dispatcher asks Expo for
	// receipts (CIRCLY_RECEIPT_DELAY, seconds, default 900).
	ReceiptDelay time.Duration

	// OutboxRetention is how long finished outbox rows are kept
	// (CIRCLY_OUTBOX_RETENTION_DAYS, default 30).
	OutboxRetention time.Duration

	// JoinPerUserLimit is how many join attempts one user may make per
	// minute, on top of PocketBase's per-IP limit (CIRCLY_JOIN_PER_USER_PER_MINUTE, default 10).
	JoinPerUserLimit int

	// ReportHideAt is how many distinct users with open reports hide a
	// member or a circle from users (CIRCLY_REPORT_HIDE_AT, default 3).
	ReportHideAt int

	// PollsPerDay is how many polls one user may start in one circle per
	// rolling 24 hours (CIRCLY_POLLS_PER_DAY, default 5).
	PollsPerDay int

	// OpenPollsMax is how many open polls one circle may have at once
	// (CIRCLY_OPEN_POLLS_MAX, default 10).
	OpenPollsMax int

	// SecretFile is where the server's secret key lives
	// (CIRCLY_SECRET_FILE, default <data dir>/circly.key).
	SecretFile string

	// ReplicaURL turns on continuous replication of the main database
	// (pb_data/data.db) with Litestream when set: file:///path or
	// s3://bucket/prefix (CIRCLY_REPLICA_URL, default off).
	ReplicaURL string

	// ReplicaS3Endpoint is the endpoint of an S3-compatible store
	// (CIRCLY_REPLICA_S3_ENDPOINT, default AWS).
	ReplicaS3Endpoint string

	// ReplicaSyncInterval is how often new WAL frames are shipped to the
	// replica (CIRCLY_REPLICA_SYNC_INTERVAL, Go duration, default 1s).
	ReplicaSyncInterval time.Duration

	// ReplicaRetention is how long the replica keeps history (snapshots and
	// the changes between them) (CIRCLY_REPLICA_RETENTION, Go duration, default 24h).
	ReplicaRetention time.Duration
}

// Default returns the settings used when nothing is configured.
func Default() Config {
	return Config{
		ResultsMinVotes:  3,
		ExpoBaseURL:      "https://exp.host/--/api/v2",
		ExpoRate:         600,
		DispatchInterval: 15 * time.Second,
		ReceiptDelay:     15 * time.Minute,
		OutboxRetention:  30 * 24 * time.Hour,
		JoinPerUserLimit: 10,
		ReportHideAt:     3,
		PollsPerDay:      5,
		OpenPollsMax:     10,

		ReplicaSyncInterval: time.Second,
		ReplicaRetention:    24 * time.Hour,
	}
}

// FromEnv reads the CIRCLY_* environment variables over the defaults.
// A malformed value is an error, not silently ignored.
func FromEnv() (Config, error) {
	c := Default()
	var errs []error

	intVar := func(name string, dst *int, min int) {
		v, ok := os.LookupEnv(name)
		if !ok || strings.TrimSpace(v) == "" {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < min {
			errs = append(errs, fmt.Errorf("%s must be an integer >= %d, got %q", name, min, v))
			return
		}
		*dst = n
	}
	secondsVar := func(name string, dst *time.Duration, min int, unit time.Duration) {
		n := -1
		intVar(name, &n, min)
		if n >= min {
			*dst = time.Duration(n) * unit
		}
	}

	intVar("CIRCLY_RESULTS_MIN_VOTES", &c.ResultsMinVotes, 1)
	intVar("CIRCLY_EXPO_RATE", &c.ExpoRate, 0)
	intVar("CIRCLY_JOIN_PER_USER_PER_MINUTE", &c.JoinPerUserLimit, 1)
	intVar("CIRCLY_REPORT_HIDE_AT", &c.ReportHideAt, 1)
	intVar("CIRCLY_POLLS_PER_DAY", &c.PollsPerDay, 1)
	intVar("CIRCLY_OPEN_POLLS_MAX", &c.OpenPollsMax, 1)
	secondsVar("CIRCLY_DISPATCH_INTERVAL", &c.DispatchInterval, 1, time.Second)
	secondsVar("CIRCLY_RECEIPT_DELAY", &c.ReceiptDelay, 0, time.Second)
	secondsVar("CIRCLY_OUTBOX_RETENTION_DAYS", &c.OutboxRetention, 1, 24*time.Hour)
	durationVar := func(name string, dst *time.Duration, min time.Duration) {
		v := strings.TrimSpace(os.Getenv(name))
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < min {
			errs = append(errs, fmt.Errorf("%s must be a duration >= %s (like 1s, 24h), got %q", name, min, v))
			return
		}
		*dst = d
	}
	durationVar("CIRCLY_REPLICA_SYNC_INTERVAL", &c.ReplicaSyncInterval, 10*time.Millisecond)
	durationVar("CIRCLY_REPLICA_RETENTION", &c.ReplicaRetention, time.Minute)
	c.ReplicaURL = strings.TrimSpace(os.Getenv("CIRCLY_REPLICA_URL"))
	c.ReplicaS3Endpoint = strings.TrimSpace(os.Getenv("CIRCLY_REPLICA_S3_ENDPOINT"))

	if v := strings.TrimSpace(os.Getenv("CIRCLY_EXPO_BASE_URL")); v != "" {
		c.ExpoBaseURL = strings.TrimRight(v, "/")
	}
	c.ExpoAccessToken = strings.TrimSpace(os.Getenv("CIRCLY_EXPO_ACCESS_TOKEN"))
	c.SecretFile = strings.TrimSpace(os.Getenv("CIRCLY_SECRET_FILE"))

	return c, errors.Join(errs...)
}

// LoadDotEnv reads KEY=VALUE lines from path into the environment, without
// overriding variables that are already set. A missing file is not an error.
// Lines may be blank, start with '#', use "export KEY=VALUE", and quote the
// value with single or double quotes.
func LoadDotEnv(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()

	sc := bufio.NewScanner(f)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return fmt.Errorf("%s:%d: expected KEY=VALUE", path, lineNo)
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		if _, exists := os.LookupEnv(key); !exists {
			os.Setenv(key, value)
		}
	}
	return sc.Err()
}
