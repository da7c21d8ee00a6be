package circles

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"circly/collections"
	"circly/request"
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
//   - control characters, line/paragraph separators, private-use characters,
//     invisible format characters (zero-width space, zero-width non-joiner,
//     word joiner, BOM, soft hyphen, bidi overrides …) and invisible fillers
//     (Hangul fillers) are refused, not stripped: silently removing them
//     would store something other than what the user typed, and they are
//     the usual tools for look-alike nicknames. The one exception is the
//     zero-width joiner between two emoji, which builds emoji such as 👨‍👩‍👧;
//   - the result must have 1 to NicknameMaxLength code points and at least
//     one visible character.
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
		if isRefusedNicknameRune(r) {
			return "", ErrNicknameInvalid
		}
		if r != brailleBlank && unicode.In(r, unicode.L, unicode.N, unicode.S, unicode.P) {
			visible = true
		}
	}
	if !visible {
		return "", ErrNicknameInvalid
	}

	return s, nil
}

// NicknameKey returns the comparison key of a nickname: two nicknames with
// the same key count as the same nickname within a circle.
//
// It is the NFKC case fold (NFKC, Unicode case folding, NFKC again) of the
// nickname, without default-ignorable characters (zero-width joiners,
// variation selectors and the like) and with spaces collapsed. So
// 'Ａｌｉｃｅ', 'ALICE' and 'alice' share a key, as do '❤' and '❤️'.
// Unlike NormalizeNickname, the key applies NFKC to Hangul compatibility
// jamo too: 'ㅋㅋ' and its conjoining look-alike 'ᄏᄏ' share a key.
//
// It accepts any string (invalid UTF-8 bytes are replaced), so it can be
// computed for every stored row; members.nickname_key holds it.
func NicknameKey(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = norm.NFKC.String(cases.Fold().String(norm.NFKC.String(s)))
	s = strings.Map(func(r rune) rune {
		if isDefaultIgnorable(r) {
			return -1
		}
		return foldCherokee(r)
	}, s)
	return collapseSpaces(s)
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

// nicknameFieldError returns the validation error data of a refused nickname.
func nicknameFieldError(err error) validation.Errors {
	switch {
	case errors.Is(err, ErrNicknameRequired):
		return request.FieldError(collections.FieldMemberNickname, "validation_required", "Cannot be blank.")
	case errors.Is(err, ErrNicknameTooLong):
		return request.FieldError(collections.FieldMemberNickname, "validation_length_out_of_range", "Must be between 1 and 20 characters.")
	default:
		return request.FieldError(collections.FieldMemberNickname, "validation_invalid_nickname", "The nickname contains control, invisible or invalid characters.")
	}
}

const (
	zeroWidthJoiner   = '\u200D'
	variationSelector = '\uFE0F'
	brailleBlank      = '\u2800'
)

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

// isRefusedNicknameRune reports the characters a nickname may not contain
// (the zero-width joiner is checked separately).
func isRefusedNicknameRune(r rune) bool {
	return r == unicode.ReplacementChar ||
		unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// isDefaultIgnorable approximates Unicode's Default_Ignorable_Code_Point:
// characters drawn as nothing (format characters, variation selectors,
// fillers).
func isDefaultIgnorable(r rune) bool {
	return unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
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
