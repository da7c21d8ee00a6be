package names_test

import (
	"errors"
	"strings"
	"testing"

	"circly/names"
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
		got, err := names.NormalizeNickname(c.in)
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
		{"empty", "", names.ErrNicknameRequired},
		{"only spaces", "   \u3000 ", names.ErrNicknameRequired},
		{"21 characters", strings.Repeat("가", 21), names.ErrNicknameTooLong},
		{"21 after full-width folding", strings.Repeat("Ａ", 21), names.ErrNicknameTooLong},
		{"invalid UTF-8", "Al\xffice", names.ErrNicknameInvalid},
		{"tab", "Ali\tce", names.ErrNicknameInvalid},
		{"newline", "Ali\nce", names.ErrNicknameInvalid},
		{"NUL", "Ali\x00ce", names.ErrNicknameInvalid},
		{"DEL", "Alice\x7f", names.ErrNicknameInvalid},
		{"C1 control", "Alice\u0085", names.ErrNicknameInvalid},
		{"zero-width space", "Ali\u200Bce", names.ErrNicknameInvalid},
		{"zero-width non-joiner", "Ali\u200Cce", names.ErrNicknameInvalid},
		{"zero-width joiner between letters", "Ali\u200Dce", names.ErrNicknameInvalid},
		{"trailing zero-width joiner after emoji", "🐶\u200D", names.ErrNicknameInvalid},
		{"word joiner", "Ali\u2060ce", names.ErrNicknameInvalid},
		{"byte order mark", "\uFEFFAlice", names.ErrNicknameInvalid},
		{"soft hyphen", "Ali\u00ADce", names.ErrNicknameInvalid},
		{"right-to-left override", "Alice\u202Egnp", names.ErrNicknameInvalid},
		{"line separator", "Ali\u2028ce", names.ErrNicknameInvalid},
		{"private use", "Alice\uE000", names.ErrNicknameInvalid},
		{"Hangul filler", "\u3164", names.ErrNicknameInvalid},
		{"Hangul filler in a name", "민\u3164지", names.ErrNicknameInvalid},
		{"half-width Hangul filler", "\uFFA0", names.ErrNicknameInvalid},
		{"Hangul jungseong filler", "\u1160", names.ErrNicknameInvalid},
		{"only a combining mark", "\u0301", names.ErrNicknameInvalid},
		{"only a variation selector", "\uFE0F", names.ErrNicknameInvalid},
		{"only a braille blank", "\u2800\u2800", names.ErrNicknameInvalid},
		{"replacement character", "Alice\uFFFD", names.ErrNicknameInvalid},
		{"braille blank after a name", "Alice\u2800", names.ErrNicknameInvalid},
		{"noncharacter U+FFFF", "Alice\uFFFF", names.ErrNicknameInvalid},
		{"noncharacter U+FDD0", "Ali\uFDD0ce", names.ErrNicknameInvalid},
		{"noncharacter in plane 1", "Alice\U0001FFFE", names.ErrNicknameInvalid},
		{"Hangul choseong filler", "\u115F민지", names.ErrNicknameInvalid},
		{"Hangul filler after a name", "Alice\u3164", names.ErrNicknameInvalid},
		{"half-width Hangul filler after a name", "Alice\uFFA0", names.ErrNicknameInvalid},
		{"object replacement character", "Alice\uFFFC", names.ErrNicknameInvalid},
		{"combining mark at the start", "\u0301Alice", names.ErrNicknameInvalid},
		{"combining mark after a space", "Alice \u0301", names.ErrNicknameInvalid},
		{"combining grapheme joiner", "Alice\u034F", names.ErrNicknameInvalid},
		{"Mongolian vowel separator", "Alice\u180E", names.ErrNicknameInvalid},
		{"invisible times", "Alice\u2062", names.ErrNicknameInvalid},
		{"tag character", "Alice\U000E0041", names.ErrNicknameInvalid},
	}
	for _, c := range bad {
		got, err := names.NormalizeNickname(c.in)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: NormalizeNickname(%q) = %q, %v; want error %v", c.name, c.in, got, err, c.want)
		}
	}
}

func TestKey(t *testing.T) {
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
		want := names.Key(group[0])
		for _, s := range group[1:] {
			if got := names.Key(s); got != want {
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
		if names.Key(p[0]) == names.Key(p[1]) {
			t.Errorf("NicknameKey(%q) == NicknameKey(%q) = %q", p[0], p[1], names.Key(p[0]))
		}
	}

	if got := names.Key("Ａｌｉｃｅ"); got != "allce" {
		t.Errorf("Key(Ａｌｉｃｅ) = %q, want allce", got)
	}
	if got := names.Key("Al\xffice"); !strings.Contains(got, "\uFFFD") {
		t.Errorf("invalid UTF-8 should be replaced, got %q", got)
	}

	// every normalised nickname keeps its key: normalising first changes nothing
	for _, s := range []string{"Ａｌｉｃｅ", "ㅋㅋㅋ", "👨\u200D👩\u200D👧", "Alice   Kim", "Straße"} {
		n, err := names.NormalizeNickname(s)
		if err != nil {
			t.Fatal(err)
		}
		if names.Key(n) != names.Key(s) {
			t.Errorf("NicknameKey changes after normalisation for %q", s)
		}
	}
}
