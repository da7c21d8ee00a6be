package systemtest

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// metricsToken runs `circly metrics-token ARGS --dir DATADIR` beside the
// running server and returns what it printed on stdout.
func (s *server) metricsToken(args ...string) string {
	s.t.Helper()
	cmd := exec.Command(binary, append(append([]string{"metrics-token"}, args...), "--dir", s.DataDir)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		s.t.Fatalf("metrics-token %v: %v\n%s%s", args, err, out, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// API.md §12 with the real binary: serve prints its settings at start
// without the Expo access token; `circly metrics-token`, run beside the
// server on its data dir, prints a token the metrics route takes and
// nothing else does; --revoke-all ends it; SIGTERM prints the stop lines.
func TestMetricsTokenCommandAndLifecycleLines(t *testing.T) {
	const secret = "expo-access-token-systemtest-5678"
	s := newServer(t, "CIRCLY_EXPO_ACCESS_TOKEN="+secret)

	out := s.Output()
	if !strings.Contains(out, "Circly started on ") || !strings.Contains(out, "CIRCLY_EXPO_ACCESS_TOKEN=set") {
		t.Fatalf("no start line with the settings:\n%s", out)
	}

	tok := s.metricsToken()
	if strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \n") {
		t.Fatalf("metrics-token printed %q, not one JWT", tok)
	}
	s.mustDo("GET", "/api/circly/metrics", tok, nil, 200, nil)
	s.mustDo("GET", "/api/circly/metrics", "", nil, 401, nil)
	s.mustDo("GET", "/api/circly/feed", tok, nil, 401, nil)
	s.mustDo("POST", "/api/files/token", tok, nil, 401, nil)

	if got := s.metricsToken("--revoke-all"); got != "" {
		t.Fatalf("--revoke-all printed a token: %q", got)
	}
	s.mustDo("GET", "/api/circly/metrics", tok, nil, 401, nil)
	s.mustDo("GET", "/api/circly/metrics", s.metricsToken(), nil, 200, nil)

	if err := s.Stop(15 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, s.Output())
	}
	out = s.Output()
	if !strings.Contains(out, "Circly stopping") || !strings.Contains(out, "Circly stopped\n") {
		t.Fatalf("no stop lines:\n%s", out)
	}
	if strings.Contains(out, secret) {
		t.Fatalf("the output shows the Expo access token:\n%s", out)
	}
}
