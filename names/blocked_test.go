package names_test

import (
	"testing"

	"circly/names"
)

func TestBlocklist(t *testing.T) {
	t.Parallel()
	b := names.NewBlocklist([]string{"fuck", "shit", "씨발", "병신", "개 새끼", "좆", "ㅅㅂ", "!!!", "  "})

	found := []struct{ name, text, word string }{
		{"plain", "fuck", "fuck"},
		{"inside a word", "motherfucker", "fuck"},
		{"capitals", "FuCK", "fuck"},
		{"full width", "ｆｕｃｋ", "fuck"},
		{"Cyrillic es for c", "fu\u0441k", "fuck"},
		{"Greek upsilon (U+03C5) for u", "f\u03C5ck", "fuck"},
		{"dots between letters", "f.u.c.k", "fuck"},
		{"spaced out", "f u c k you", "fuck"},
		{"accent", "fück", "fuck"},
		{"zero-width space", "fu\u200Bck", "fuck"},
		{"emoji in between", "f💩uck", "fuck"},
		{"stand-ins", "sh!t", "shit"},
		{"digit stand-ins", "5h1t", "shit"},
		{"capital I for i", "SHIT", "shit"},
		{"l for i", "shlt", "shit"},
		{"Korean", "씨발놈", "씨발"},
		{"Korean spaced", "씨 발", "씨발"},
		{"Korean with dots", "씨.발", "씨발"},
		{"Korean word given with a space", "개새끼들", "개 새끼"},
		{"Korean single syllable", "좆같다", "좆"},
		{"compatibility jamo", "ㅅㅂㅋㅋ", "ㅅㅂ"},
		{"compatibility jamo spaced", "ㅅ ㅂ", "ㅅㅂ"},
		{"in a longer name", "The Fuckers Club", "fuck"},
	}
	for _, c := range found {
		word, ok := b.Find(c.text)
		if !ok || word != c.word {
			t.Errorf("%s: Find(%q) = %q, %v; want %q", c.name, c.text, word, ok, c.word)
		}
	}

	clean := []struct{ name, text string }{
		{"ordinary", "Alice"},
		{"words apart", "push it"},
		{"syllable prefix", "조지"},
		{"Korean name", "김민지"},
		{"starting point (not 씨발)", "시발점"},
		{"digits only", "5117"},
		{"only symbols", "!!!"},
		{"empty", ""},
		{"invalid UTF-8", "f\xffuck"[:1] + "\xff"},
	}
	for _, c := range clean {
		if word, ok := b.Find(c.text); ok {
			t.Errorf("%s: Find(%q) found %q", c.name, c.text, word)
		}
	}

	var none *names.Blocklist
	if _, ok := none.Find("fuck"); ok {
		t.Error("a nil blocklist found a word")
	}
	if names.WordForm("!!!") != "" || names.WordForm("F.U.C.K") != "fuck" {
		t.Errorf("WordForm: %q %q", names.WordForm("!!!"), names.WordForm("F.U.C.K"))
	}
}
