package names_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"circly/names"
)

// FuzzNames: Key is a valid, idempotent fixed point for any input, and
// matching blocked words never panics and finds a word in any text that
// spells it.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"Alice", "\u0410lice", "AIice", "f.u.c.k", "씨 발", "ㅅㅂ", "\xff", "%", "ﷺ", "m", "\u0301", "\u2800", "\uFFFF", strings.Repeat("Ǆ", 30)} {
		f.Add(s)
	}
	b := names.NewBlocklist([]string{"fuck", "씨발", "ㅅㅂ"})
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 400 {
			return
		}
		k := names.Key(s)
		if !utf8.ValidString(k) || names.Key(k) != k {
			t.Fatalf("Key(%q) = %q, Key of that = %q", s, k, names.Key(k))
		}
		if m := names.MatchForm(s); !utf8.ValidString(m) {
			t.Fatalf("MatchForm(%q) = %q", s, m)
		}
		b.Find(s)
		if _, ok := b.Find(s + " fuck " + s); !ok {
			t.Fatalf("fuck not found next to %q", s)
		}
	})
}
