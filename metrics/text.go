package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ContentType is the media type of Prometheus' text exposition format 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Type is a metric family's TYPE.
type Type string

// The types Circly uses.
const (
	TypeCounter Type = "counter"
	TypeGauge   Type = "gauge"
	TypeSummary Type = "summary" // with _sum and _count only (no quantiles)
)

// Label is one name="value" pair of a sample.
type Label struct{ Name, Value string }

// Sample is one line of a family: the family's name plus Suffix (e.g.
// "_sum"), its labels and its value.
type Sample struct {
	Suffix string
	Labels []Label
	Value  float64
}

// Family is a metric with its HELP and TYPE lines and its samples.
type Family struct {
	Name    string
	Help    string
	Type    Type
	Samples []Sample
}

// Single returns a family of one unlabelled sample.
func Single(name, help string, typ Type, v float64) Family {
	return Family{Name: name, Help: help, Type: typ, Samples: []Sample{{Value: v}}}
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// Write renders fams in the text exposition format 0.0.4: per family a
// HELP and a TYPE line, then one `name{labels} value` line per sample. A
// malformed name is an error (nothing after it is written).
func Write(w io.Writer, fams []Family) error {
	bw := bufio.NewWriter(w)
	seen := map[string]bool{}
	for _, f := range fams {
		if !metricName.MatchString(f.Name) || seen[f.Name] {
			return fmt.Errorf("metrics: bad or repeated family name %q", f.Name)
		}
		seen[f.Name] = true
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", f.Name, escapeHelp(f.Help), f.Name, f.Type)
		for _, s := range f.Samples {
			name := f.Name + s.Suffix
			if !metricName.MatchString(name) {
				return fmt.Errorf("metrics: bad sample name %q", name)
			}
			bw.WriteString(name)
			if len(s.Labels) > 0 {
				bw.WriteByte('{')
				for i, l := range s.Labels {
					if !labelName.MatchString(l.Name) || strings.HasPrefix(l.Name, "__") {
						return fmt.Errorf("metrics: bad label name %q", l.Name)
					}
					if i > 0 {
						bw.WriteByte(',')
					}
					fmt.Fprintf(bw, "%s=\"%s\"", l.Name, escapeLabel(l.Value))
				}
				bw.WriteByte('}')
			}
			bw.WriteByte(' ')
			bw.WriteString(formatValue(s.Value))
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Families returns the in-memory metrics of s, in a fixed order.
func (s *Set) Families() []Family {
	counter := func(name, help string, c *Counter) Family {
		return Single(name, help, TypeCounter, float64(c.Value()))
	}
	queue, _ := s.BallotQueue.Value()

	expo := Family{Name: "circly_expo_errors_total", Type: TypeCounter,
		Help: "Expo's error answers by class: per notification for tickets, receipts and failed send requests; once per failed receipts request."}
	for _, class := range ExpoErrorClasses {
		expo.Samples = append(expo.Samples, Sample{Labels: []Label{{"class", class}}, Value: float64(s.ExpoErrors.Value(class))})
	}

	d := &s.Dispatch
	count := d.count.Load()
	lastEnd := float64(d.lastEndUnixMilli.Load()) / 1000
	return []Family{
		Single("circly_start_time_seconds", "When this process started counting (Unix time); counters start from zero then.",
			TypeGauge, float64(s.started.UnixMilli())/1000),
		counter("circly_votes_total", "Votes written (committed by the ballot box).", &s.Votes),
		counter("circly_ballot_commits_total", "Transactions committed by the ballot box (group commits of waiting ballots, refused ballots included).", &s.BallotCommits),
		Single("circly_ballot_queue_depth", "Checked ballots waiting for the ballot box's writer.", TypeGauge, queue),
		counter("circly_push_sent_total", "Push deliveries Expo accepted (an ok ticket).", &s.PushSent),
		counter("circly_push_failed_total", "Push deliveries that failed for good (on sending, out of attempts, or by an error receipt).", &s.PushFailed),
		counter("circly_push_retried_total", "Push deliveries sent back to wait for another attempt.", &s.PushRetried),
		counter("circly_push_skipped_total", "Push deliveries dropped unsent because their poll closed first.", &s.PushSkipped),
		counter("circly_push_receipts_total", "Expo receipts settled (ok, error, or given up waiting).", &s.PushReceipts),
		counter("circly_push_tokens_cleared_total", "Push tokens cleared because Expo said the device is not registered.", &s.PushTokensCleared),
		expo,
		{Name: "circly_dispatch_run_duration_seconds", Type: TypeSummary,
			Help: "Time taken by push dispatcher runs (closing due polls, sending, receipts, pruning).",
			Samples: []Sample{
				{Suffix: "_sum", Value: float64(d.totalNanos.Load()) / 1e9},
				{Suffix: "_count", Value: float64(count)},
			}},
		counter("circly_dispatch_runs_failed_total", "Push dispatcher runs that ended with an error (see the log).", &d.failed),
		Single("circly_dispatch_last_run_duration_seconds", "Time taken by the last push dispatcher run.",
			TypeGauge, float64(d.lastNanos.Load())/1e9),
		Single("circly_dispatch_last_run_end_timestamp_seconds", "When the last push dispatcher run ended (Unix time; 0 before the first).",
			TypeGauge, lastEnd),
	}
}
