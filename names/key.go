package names

import (
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// maxKeyRounds bounds the rounds Key runs to reach a fixed point; in
// practice one or two are enough.
const maxKeyRounds = 8

// Key returns the look-alike key of a name: two names with the same key
// read the same and count as the same name (members.nickname_key holds it,
// unique among a circle's active members).
//
// One round is:
//  1. NFKC, so full-width and other compatibility forms become plain
//     letters ('Ａｌｉｃｅ' is 'Alice');
//  2. invisible characters are dropped (default-ignorable ones such as
//     zero-width joiners and variation selectors, the Hangul fillers,
//     noncharacters, the braille blank), so '❤' and '❤️' meet, and a
//     stored name with such a character meets its visible twin; Cherokee
//     small letters become their capitals (Unicode's case folding of
//     Cherokee, done first because the skeleton maps the two cases apart);
//  3. the UTS #39 confusable skeleton (github.com/mtibben/confusables,
//     Unicode's confusables.txt) of the text as written: Cyrillic 'А' and
//     'В', Greek 'Α' and Cherokee 'Ꭺ' become Latin 'A' and 'B', '0' becomes
//     'O', '1', 'I' and '|' become 'l', 'm' becomes 'rn', Hangul
//     compatibility jamo become conjoining jamo;
//  4. case folding (NFKC, Unicode case folding, NFKC), then the skeleton
//     again, for the small letters that look alike ('а' Cyrillic is 'a'),
//     and case folding once more (the skeleton maps to capitals such as 'O');
//  5. 'i' becomes 'l': the skeleton maps capital I to l while case folding
//     maps it to i, so without this 'AIice' would meet 'Alice' but not
//     'ALICE'. With it i, I, l, 1 and | are one letter for keys: 'Alice',
//     'AIice', 'A1ice' and 'ALICE' share a key (so do 'Ali' and 'All', an
//     accepted false positive inside one circle);
//  6. NFKC, spaces collapsed and trimmed.
//
// Rounds repeat until the key no longer changes, so Key(Key(s)) == Key(s).
// It accepts any string (invalid UTF-8 bytes are replaced), so it can be
// computed for every stored row. The key is a comparison value, never
// shown: 'Kim' has the key 'klrn'.
func Key(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for range maxKeyRounds {
		next := keyRound(s)
		if next == s {
			break
		}
		s = next
	}
	return s
}

func keyRound(s string) string {
	s = strings.Map(func(r rune) rune {
		if isDefaultIgnorable(r) || isNoncharacter(r) || r == brailleBlank {
			return -1
		}
		return foldCherokee(r)
	}, norm.NFKC.String(s))
	s = confusables.Skeleton(foldCase(confusables.Skeleton(s)))
	s = strings.Map(func(r rune) rune {
		if r == 'i' {
			return 'l'
		}
		return r
	}, foldCase(s))
	return collapseSpaces(norm.NFKC.String(s))
}

// foldCase is NFKC, Unicode case folding, NFKC again, with Cherokee folded
// to its capitals.
func foldCase(s string) string {
	s = norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
	return strings.Map(foldCherokee, s)
}

// foldCherokee maps Cherokee small letters to their capitals, as Unicode
// case folding does (CaseFolding.txt folds Cherokee to upper case, for
// stability). golang.org/x/text/cases.Fold swaps the two cases instead, so
// without this 'Ꮟ' and 'ꮟ' would get different keys.
func foldCherokee(r rune) rune {
	switch {
	case r >= 0xAB70 && r <= 0xABBF: // Cherokee Small Letter A … Mv
		return r - 0xAB70 + 0x13A0
	case r >= 0x13F8 && r <= 0x13FD: // Cherokee Small Letter Ye … Mv
		return r - 0x13F8 + 0x13F0
	}
	return r
}

// isDefaultIgnorable approximates Unicode's Default_Ignorable_Code_Point:
// characters drawn as nothing (format characters, variation selectors,
// fillers).
func isDefaultIgnorable(r rune) bool {
	return unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}
