package config

import (
	"reflect"
	"strings"
	"testing"
)

// Settings lists every field of Config (a field added later without a
// line here fails), under the variable FromEnv reads, and never shows a
// secret: the Expo access token is "set" or "unset", a password in the
// Expo URL is redacted.
func TestSettingsListEveryFieldRedacted(t *testing.T) {
	const secret = "expo-secret-token-value"
	t.Setenv("CIRCLY_EXPO_ACCESS_TOKEN", secret)
	t.Setenv("CIRCLY_EXPO_BASE_URL", "https://user:url-password@push.example/--/api/v2")
	t.Setenv("CIRCLY_DISPATCH_INTERVAL", "7")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	settings := c.Settings("/data/circly.key")
	line := SettingsLine(settings)

	fields := map[string]bool{}
	for _, s := range settings {
		fields[s.Field] = true
		if !strings.HasPrefix(s.Env, "CIRCLY_") {
			t.Errorf("%s: variable %q", s.Field, s.Env)
		}
	}
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		if !fields[typ.Field(i).Name] {
			t.Errorf("Config.%s is missing from the settings", typ.Field(i).Name)
		}
	}
	if len(settings) != typ.NumField() {
		t.Errorf("%d settings for %d fields", len(settings), typ.NumField())
	}
	for _, leak := range []string{secret, "url-password"} {
		if strings.Contains(line, leak) {
			t.Errorf("the settings line shows %q: %s", leak, line)
		}
	}
	for _, want := range []string{"CIRCLY_EXPO_ACCESS_TOKEN=set", "CIRCLY_DISPATCH_INTERVAL=7", "CIRCLY_SECRET_FILE=/data/circly.key",
		"CIRCLY_EXPO_BASE_URL=https://redacted@push.example/--/api/v2"} {
		if !strings.Contains(line, want) {
			t.Errorf("the settings line lacks %s: %s", want, line)
		}
	}
	if got := SettingsLine(Default().Settings("")); !strings.Contains(got, "CIRCLY_EXPO_ACCESS_TOKEN=unset") || !strings.Contains(got, `CIRCLY_SECRET_FILE=""`) {
		t.Errorf("defaults: %s", got)
	}
}
