package expo

import (
	"strings"
	"testing"
)

func TestIsExpoPushToken(t *testing.T) {
	maxInner := strings.Repeat("a", MaxTokenLength-len("ExponentPushToken[]"))
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{"Exponent form", "ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]", true},
		{"Expo form", "ExpoPushToken[xxxxxxxxxxxxxxxxxxxxxx]", true},
		{"punctuation inside", "ExponentPushToken[a-b_c.d:e/f+g=[h]", true},
		{"longest allowed", "ExponentPushToken[" + maxInner + "]", true},
		{"one byte too long", "ExponentPushToken[" + maxInner + "a]", false},
		{"empty", "", false},
		{"empty brackets", "ExponentPushToken[]", false},
		{"no closing bracket", "ExponentPushToken[abc", false},
		{"bracket inside", "ExponentPushToken[ab]c]", false},
		{"trailing text", "ExponentPushToken[abc]x", false},
		{"space inside", "ExponentPushToken[a b]", false},
		{"tab inside", "ExponentPushToken[a\tb]", false},
		{"non-ASCII inside", "ExponentPushToken[tökén]", false},
		{"DEL inside", "ExponentPushToken[a\x7fb]", false},
		{"wrong case prefix", "exponentPushToken[abc]", false},
		{"leading space", " ExponentPushToken[abc]", false},
		{"bare UUID", "a1b2c3d4-e5f6-a7b8-c9d0-e1f2a3b4c5d6", false},
		{"raw FCM token", "dUm3q1S8RZ6kzZ0x:APA91bH-abcdefghijklmnop", false},
		{"raw APNs token", "5fa1c3b5e1c53c5d2a2cb3d8e4c5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsExpoPushToken(tt.token); got != tt.want {
				t.Errorf("IsExpoPushToken(%q) = %v, want %v", tt.token, got, tt.want)
			}
		})
	}
}
