package circles_test

import (
	"errors"
	"strings"
	"testing"

	"circly/circles"
)

func TestNormalizeNickname(t *testing.T) {
	t.Parallel()

	ok := []struct{ name, in, want string }{
		{"plain", "Alice", "Alice"},
		{"spaces trimmed", "  Alice  ", "Alice"},
		{"inner spaces collapse", "Alice   Kim", "Alice Kim"},
		{"ideographic and no-break spaces become spaces", "Alice\u3000\u00A0Kim", "Alice Kim"},
		{"full-width letters become ASCII", "Ａｌｉｃｅ", "Alice"},
		{"ligatures unfold", "ﬁsh", "fish"},
		{"case is kept", "ALICE", "ALICE"},
		{"Korean syllables", "김민지", "김민지"},
		{"Korean compatibility jamo kept as typed", "ㅋㅋㅋ", "ㅋㅋㅋ"},
		{"jamo next to syllables", "민지ㅎㅎ", "민지ㅎㅎ"},
		{"decomposed Hangul composes", "\u1100\u1161", "가"},
		{"emoji", "🐶🐱", "🐶🐱"},
		{"emoji with variation selector", "❤️", "❤️"},
		{"emoji joined by ZWJ", "👨\u200D👩\u200D👧", "👨\u200D👩\u200D👧"},
		{"skin tone then ZWJ", "👩🏽\u200D💻", "👩🏽\u200D💻"},
		{"variation selector then ZWJ", "🏳️\u200D🌈", "🏳️\u200D🌈"},
		{"exactly 20 characters", strings.Repeat("가", 20), strings.Repeat("가", 20)},
		{"20 after collapsing spaces", strings.Repeat("a", 10) + "     " + strings.Repeat("b", 9), strings.Repeat("a", 10) + " " + strings.Repeat("b", 9)},
		{"one character", "x", "x"},
		{"digits only", "007", "007"},
		{"punctuation", "A.B-C_", "A.B-C_"},
		{"combining accent", "e\u0301", "é"},
	}
	for _, c := range ok {
		got, err := circles.NormalizeNickname(c.in)
		if err != nil {
			t.Errorf("%s: NormalizeNickname(%q) error %v", c.name, c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: NormalizeNickname(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}

	bad := []struct {
		name, in string
		want     error
	}{
		{"empty", "", circles.ErrNicknameRequired},
		{"only spaces", "   \u3000 ", circles.ErrNicknameRequired},
		{"21 characters", strings.Repeat("가", 21), circles.ErrNicknameTooLong},
		{"21 after full-width folding", strings.Repeat("Ａ", 21), circles.ErrNicknameTooLong},
		{"invalid UTF-8", "Al\xffice", circles.ErrNicknameInvalid},
		{"tab", "Ali\tce", circles.ErrNicknameInvalid},
		{"newline", "Ali\nce", circles.ErrNicknameInvalid},
		{"NUL", "Ali\x00ce", circles.ErrNicknameInvalid},
		{"DEL", "Alice\x7f", circles.ErrNicknameInvalid},
		{"C1 control", "Alice\u0085", circles.ErrNicknameInvalid},
		{"zero-width space", "Ali\u200Bce", circles.ErrNicknameInvalid},
		{"zero-width non-joiner", "Ali\u200Cce", circles.ErrNicknameInvalid},
		{"zero-width joiner between letters", "Ali\u200Dce", circles.ErrNicknameInvalid},
		{"trailing zero-width joiner after emoji", "🐶\u200D", circles.ErrNicknameInvalid},
		{"word joiner", "Ali\u2060ce", circles.ErrNicknameInvalid},
		{"byte order mark", "\uFEFFAlice", circles.ErrNicknameInvalid},
		{"soft hyphen", "Ali\u00ADce", circles.ErrNicknameInvalid},
		{"right-to-left override", "Alice\u202Egnp", circles.ErrNicknameInvalid},
		{"line separator", "Ali\u2028ce", circles.ErrNicknameInvalid},
		{"private use", "Alice\uE000", circles.ErrNicknameInvalid},
		{"Hangul filler", "\u3164", circles.ErrNicknameInvalid},
		{"Hangul filler in a name", "민\u3164지", circles.ErrNicknameInvalid},
		{"half-width Hangul filler", "\uFFA0", circles.ErrNicknameInvalid},
		{"Hangul jungseong filler", "\u1160", circles.ErrNicknameInvalid},
		{"only a combining mark", "\u0301", circles.ErrNicknameInvalid},
		{"only a variation selector", "\uFE0F", circles.ErrNicknameInvalid},
		{"only a braille blank", "\u2800\u2800", circles.ErrNicknameInvalid},
		{"replacement character", "Alice\uFFFD", circles.ErrNicknameInvalid},
	}
	for _, c := range bad {
		got, err := circles.NormalizeNickname(c.in)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: NormalizeNickname(%q) = %q, %v; want error %v", c.name, c.in, got, err, c.want)
		}
	}
}

func TestNicknameKey(t *testing.T) {
	t.Parallel()

	same := [][]string{
		{"alice", "Alice", "ALICE", "Ａｌｉｃｅ", "ａｌｉｃｅ", "  alice  "},
		{"Straße", "STRASSE", "strasse"},
		{"Alice Kim", "alice   kim", "ALICE\u3000KIM"},
		{"❤", "❤️"},
		{"민지", "민지"},
		{"ㅋㅋ", "ᄏᄏ", "ﾻﾻ"},
		{"fish", "ﬁsh"},
		{"Ali\u200Bce", "alice"},
	}
	for _, group := range same {
		want := circles.NicknameKey(group[0])
		for _, s := range group[1:] {
			if got := circles.NicknameKey(s); got != want {
				t.Errorf("NicknameKey(%q) = %q, want %q (as for %q)", s, got, want, group[0])
			}
		}
	}

	different := [][2]string{
		{"alice", "alicia"},
		{"민지", "민주"},
		{"🐶", "🐱"},
		{"Alice Kim", "AliceKim"},
		{"ㅎㅎ", "ㅋㅋ"},
	}
	for _, p := range different {
		if circles.NicknameKey(p[0]) == circles.NicknameKey(p[1]) {
			t.Errorf("NicknameKey(%q) == NicknameKey(%q) = %q", p[0], p[1], circles.NicknameKey(p[0]))
		}
	}

	if got := circles.NicknameKey("Ａｌｉｃｅ"); got != "alice" {
		t.Errorf("NicknameKey(Ａｌｉｃｅ) = %q, want alice", got)
	}
	if got := circles.NicknameKey("Al\xffice"); !strings.Contains(got, "\uFFFD") {
		t.Errorf("invalid UTF-8 should be replaced, got %q", got)
	}

	// every normalised nickname keeps its key: normalising first changes nothing
	for _, s := range []string{"Ａｌｉｃｅ", "ㅋㅋㅋ", "👨\u200D👩\u200D👧", "Alice   Kim", "Straße"} {
		n, err := circles.NormalizeNickname(s)
		if err != nil {
			t.Fatal(err)
		}
		if circles.NicknameKey(n) != circles.NicknameKey(s) {
			t.Errorf("NicknameKey changes after normalisation for %q", s)
		}
	}
}
