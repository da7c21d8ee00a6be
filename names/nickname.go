package names

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NicknameMaxLength is the longest nickname, in Unicode code points after
// normalisation (an emoji built with joiners counts each of its parts).
const NicknameMaxLength = 20

// Nickname errors returned by NormalizeNickname.
var (
	ErrNicknameRequired = errors.New("nickname is required")
	ErrNicknameTooLong  = errors.New("nickname is too long")
	ErrNicknameInvalid  = errors.New("nickname contains invalid, control or invisible characters")
)

// maxNicknameInputBytes bounds the raw input NormalizeNickname looks at.
const maxNicknameInputBytes = 1024

// NormalizeNickname returns the form of a nickname that Circly stores and
// shows, or an error saying why it cannot be used.
//
// Steps:
//   - invalid UTF-8 is refused;
//   - NFKC normalisation, so full-width letters, ligatures and other
//     compatibility forms become their plain equivalents ('Ａｌｉｃｅ' →
//     'Alice'), except Hangul compatibility jamo (ㅋ, ㅎ, ㅏ …), which are
//     kept as typed: NFKC would turn "ㅋㅋ" into conjoining jamo that many
//     fonts draw badly, and "ㅎㅏ" into "하";
//   - every kind of space becomes U+0020, runs of spaces collapse to one,
//     and leading/trailing spaces are trimmed;
//   - invisible and blank-looking characters are refused, not stripped:
//     control characters, line/paragraph separators, private-use
//     characters, noncharacters (U+FFFF, U+FDD0 …), invisible format
//     characters (zero-width space, zero-width non-joiner, word joiner,
//     BOM, soft hyphen, bidi overrides …), the Hangul fillers (U+115F,
//     U+1160, U+3164, U+FFA0), the braille blank U+2800, the object
//     replacement character, and combining marks with nothing to sit on
//     (at the start or after a space). Silently removing them would store
//     something other than what the user typed, and they are the usual
//     tools for look-alike nicknames. The one exception is the zero-width
//     joiner between two emoji, which builds emoji such as 👨‍👩‍👧;
//   - the result must have 1 to NicknameMaxLength code points and at least
//     one visible character.
//
// Look-alikes of other members' nicknames are not refused here: Key says
// which nicknames count as the same.
func NormalizeNickname(s string) (string, error) {
	// No nickname of at most NicknameMaxLength characters is longer than
	// this in any spelling (NFKC composes at most a few code points into
	// one); refusing early keeps a huge input from costing a huge
	// normalisation.
	if len(s) > maxNicknameInputBytes {
		return "", ErrNicknameTooLong
	}
	if !utf8.ValidString(s) {
		return "", ErrNicknameInvalid
	}

	s = collapseSpaces(nfkcKeepingJamo(s))
	if s == "" {
		return "", ErrNicknameRequired
	}

	runes := []rune(s)
	if len(runes) > NicknameMaxLength {
		return "", ErrNicknameTooLong
	}

	visible := false
	for i, r := range runes {
		if r == zeroWidthJoiner {
			if i == 0 || i == len(runes)-1 || !joinsEmoji(runes[i-1]) || !isEmojiBase(runes[i+1]) {
				return "", ErrNicknameInvalid
			}
			continue
		}
		if IsInvisible(r) {
			return "", ErrNicknameInvalid
		}
		if unicode.Is(unicode.M, r) && r != variationSelector && (i == 0 || runes[i-1] == ' ') {
			return "", ErrNicknameInvalid
		}
		if unicode.In(r, unicode.L, unicode.N, unicode.S, unicode.P) {
			visible = true
		}
	}
	if !visible {
		return "", ErrNicknameInvalid
	}

	return s, nil
}

const (
	zeroWidthJoiner   = '\u200D'
	variationSelector = '\uFE0F'
	brailleBlank      = '\u2800'
	objectReplacement = '\uFFFC'
)

// IsInvisible reports the characters no name may contain because they are
// drawn as nothing, as blank, or not at all (see NormalizeNickname); the
// zero-width joiner, needed inside emoji, is one of them and is allowed
// there by the caller.
func IsInvisible(r rune) bool {
	return r == unicode.ReplacementChar || r == brailleBlank || r == objectReplacement ||
		isNoncharacter(r) ||
		unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// isNoncharacter reports Unicode's 66 noncharacters: U+FDD0–U+FDEF and the
// last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE …).
func isNoncharacter(r rune) bool {
	return (r >= 0xFDD0 && r <= 0xFDEF) || (r >= 0 && r <= unicode.MaxRune && r&0xFFFE == 0xFFFE)
}

// nfkcKeepingJamo applies NFKC to s except to runs of Hangul compatibility
// jamo, which are kept as they are (see NormalizeNickname).
func nfkcKeepingJamo(s string) string {
	var b strings.Builder
	start := 0
	inJamo := false
	flush := func(end int) {
		if inJamo {
			b.WriteString(s[start:end])
		} else {
			b.WriteString(norm.NFKC.String(s[start:end]))
		}
		start = end
	}
	for i, r := range s {
		jamo := isCompatibilityJamo(r)
		if jamo != inJamo {
			flush(i)
			inJamo = jamo
		}
	}
	flush(len(s))
	return b.String()
}

// isCompatibilityJamo reports whether r is a visible Hangul compatibility
// jamo (U+3131–U+318E); the Hangul filler U+3164 is not one of them.
func isCompatibilityJamo(r rune) bool {
	return r >= 0x3131 && r <= 0x318E && r != 0x3164
}

// collapseSpaces turns every space character into U+0020, collapses runs of
// spaces and trims both ends. Other characters are left alone.
func collapseSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		if unicode.Is(unicode.Zs, r) {
			pendingSpace = b.Len() > 0
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isEmojiBase reports whether r can stand on either side of a zero-width
// joiner in an emoji sequence (pictographs are "other symbols").
func isEmojiBase(r rune) bool {
	return unicode.Is(unicode.So, r)
}

// joinsEmoji reports whether r may precede a zero-width joiner: an emoji,
// a skin-tone modifier (a modifier symbol) or the emoji variation selector.
func joinsEmoji(r rune) bool {
	return isEmojiBase(r) || unicode.Is(unicode.Sk, r) || r == variationSelector
}
