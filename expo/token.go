package expo

import "strings"

// MaxTokenLength is the longest push token IsExpoPushToken accepts.
const MaxTokenLength = 255

// IsExpoPushToken reports whether s looks like an Expo push token:
// "ExponentPushToken[...]" or "ExpoPushToken[...]" with a non-empty inside
// made of visible ASCII characters (no spaces or control characters) other
// than ']', at most MaxTokenLength bytes in all. This is stricter than Expo's
// SDK, which also accepts bare UUIDs and empty brackets.
func IsExpoPushToken(s string) bool {
	if len(s) > MaxTokenLength {
		return false
	}
	var inner string
	switch {
	case strings.HasPrefix(s, "ExponentPushToken["):
		inner = s[len("ExponentPushToken["):]
	case strings.HasPrefix(s, "ExpoPushToken["):
		inner = s[len("ExpoPushToken["):]
	default:
		return false
	}
	inner, ok := strings.CutSuffix(inner, "]")
	if !ok || inner == "" {
		return false
	}
	for i := 0; i < len(inner); i++ {
		if b := inner[i]; b <= ' ' || b > '~' || b == ']' {
			return false
		}
	}
	return true
}
