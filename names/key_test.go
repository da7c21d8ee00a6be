package names_test

import (
	"testing"

	"circly/names"
)

// The abuser's set: each reads as "Alice" and must share Alice's key, so a
// circle refuses it as taken next to an existing "Alice".
var aliceLookAlikes = []struct{ name, s string }{
	{"Cyrillic capital A (U+0410)", "\u0410lice"},
	{"Greek capital Alpha (U+0391)", "\u0391lice"},
	{"Cherokee letter Go (U+13AA)", "\u13AAlice"},
	{"capital I for l", "AIice"},
	{"digit 1 for l", "A1ice"},
	{"vertical bar for l", "A|ice"},
	{"small roman numeral fifty for l", "A\u217Cice"},
	{"Cyrillic small es (U+0441)", "Ali\u0441e"},
	{"Cyrillic small ie (U+0435)", "Alic\u0435"},
	{"Ukrainian i (U+0456)", "Al\u0456ce"},
	{"dotless i (U+0131)", "Al\u0131ce"},
	{"all capitals", "ALICE"},
	{"full width", "Ａｌｉｃｅ"},
	{"mathematical bold", "𝐀𝐥𝐢𝐜𝐞"},
	{"trailing braille blank (stored before it was refused)", "Alice\u2800"},
	{"trailing U+FFFF (stored before it was refused)", "Alice\uFFFF"},
	{"trailing Hangul filler", "Alice\u3164"},
	{"zero-width space inside", "Ali\u200Bce"},
}

func TestKeyLookAlikes(t *testing.T) {
	t.Parallel()
	want := names.Key("Alice")
	for _, c := range aliceLookAlikes {
		if got := names.Key(c.s); got != want {
			t.Errorf("%s: Key(%q) = %q, want %q (Alice's)", c.name, c.s, got, want)
		}
	}

	same := [][]string{
		{"rn", "m"},                // r n drawn together
		{"Bob", "\u0412ob", "BOB"}, // Cyrillic capital Ve
		{"B0B", "bob", "BOB"},      // zero for O
		{"ㅇㅣ", "이"},                // compatibility jamo spelling a syllable
		{"Ꮟ", "ꮟ"},                 // Cherokee case
		{"Straße", "STRASSE"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if names.Key(s) != names.Key(group[0]) {
				t.Errorf("Key(%q) = %q, want Key(%q) = %q", s, names.Key(s), group[0], names.Key(group[0]))
			}
		}
	}

	different := [][2]string{
		{"Alice", "Alicia"},
		{"Alice", "Alíce"},
		{"Alice", "Alice2"},
		{"민지", "민주"},
		{"지민", "민지"},
		{"김", "감"},
		{"ㅎㅎ", "ㅋㅋ"},
		{"bob", "rob"},
		{"Alice Kim", "AliceKim"},
	}
	for _, p := range different {
		if names.Key(p[0]) == names.Key(p[1]) {
			t.Errorf("Key(%q) == Key(%q) = %q", p[0], p[1], names.Key(p[0]))
		}
	}
}

// Key is a fixed point and never grows past what the members field holds
// for any nickname NormalizeNickname accepts.
func TestKeyIsStable(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"Alice", "%%%%", "ﷺﷺﷺ", "\u0130stanbul", "ǅ", "㍿㍿", "ΐΐ", "mmm", "씨발", "ㅆㅂ", "👨\u200D👩\u200D👧"} {
		k := names.Key(s)
		if names.Key(k) != k {
			t.Errorf("Key(%q) = %q, Key of that = %q", s, k, names.Key(k))
		}
	}
}
