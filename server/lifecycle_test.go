package server_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/config"
	"circly/server"
)

// syncBuffer is a bytes.Buffer safe for the hooks' goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// API.md §12: serving starts with a line of every effective setting, the
// Expo access token shown only as "set"; terminating after a start prints
// a stopping and a stopped line. Nothing is printed without serving.
func TestStartAndStopLines(t *testing.T) {
	const secret = "ExpoAccessToken-do-not-print-1234"
	t.Setenv("CIRCLY_EXPO_ACCESS_TOKEN", secret)
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	cfg.ExpoBaseURL = circlytest.TestConfig().ExpoBaseURL
	app, svc := circlytest.NewTestAppWithConfig(t, cfg)
	var out syncBuffer
	server.LogLifecycle(app, &out)
	if out.String() != "" {
		t.Fatalf("printed before serving: %q", out.String())
	}

	circlytest.Handler(t, app) // runs the serve hooks
	start := out.String()
	if !strings.Contains(start, "Circly started") || strings.Count(start, "\n") != 1 {
		t.Fatalf("start line: %q", start)
	}
	if strings.Contains(start, secret) {
		t.Fatalf("the start line shows the Expo access token: %s", start)
	}
	for _, s := range svc.Config.Settings(svc.SecretFile) {
		if !strings.Contains(start, " "+s.Env+"=") {
			t.Errorf("the start line lacks %s: %s", s.Env, start)
		}
	}
	for _, want := range []string{"CIRCLY_EXPO_ACCESS_TOKEN=set", "CIRCLY_SECRET_FILE=" + svc.SecretFile, app.DataDir()} {
		if !strings.Contains(start, want) {
			t.Errorf("the start line lacks %q: %s", want, start)
		}
	}

	err = app.OnTerminate().Trigger(&core.TerminateEvent{App: app}, func(*core.TerminateEvent) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	stop := strings.TrimPrefix(out.String(), start)
	lines := strings.Split(strings.TrimSpace(stop), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "Circly stopping") || !strings.HasSuffix(lines[1], "Circly stopped") {
		t.Fatalf("stop lines: %q", stop)
	}
}
