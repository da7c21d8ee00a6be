package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Blocklist finds blocked words inside names (nicknames, circle names).
// Word and name are compared in their match forms (MatchForm), so case,
// look-alike letters, accents, punctuation and spaced-out letters do not
// hide a word.
type Blocklist struct {
	words []blocked
}

type blocked struct{ word, form string }

// NewBlocklist returns a blocklist of words; words whose match form is
// empty (only punctuation, symbols or spaces) can match nothing and are
// left out.
func NewBlocklist(words []string) *Blocklist {
	b := &Blocklist{}
	for _, w := range words {
		if f := WordForm(w); f != "" {
			b.words = append(b.words, blocked{w, f})
		}
	}
	return b
}

// Find returns the first blocked word that text contains, in match form.
func (b *Blocklist) Find(text string) (word string, found bool) {
	if b == nil || len(b.words) == 0 {
		return "", false
	}
	form := MatchForm(text)
	for _, w := range b.words {
		if strings.Contains(form, w.form) {
			return w.word, true
		}
	}
	return "", false
}

// WordForm is the match form of a blocked word: its MatchForm without
// spaces, so a word given as "개 새끼" is found in "개새끼".
func WordForm(word string) string {
	return strings.ReplaceAll(MatchForm(word), " ", "")
}

// MatchForm is the form in which names are searched for blocked words:
//
//   - NFKC;
//   - the text is cut into tokens at spaces; in a token, every run that
//     is not Hangul syllables goes through Key (case and look-alikes:
//     Cyrillic 'с' is 'c', Cyrillic 'В' is 'b', '0' is 'o', 'I', '1' and 'l'
//     are one letter …), and, when the
//     run has a Latin letter, common digit and symbol stand-ins are read as
//     letters first ('@' and '4' a, '3' e, '5' and '$' s, '7' t, '!' l,
//     so 'sh!t' and '5h1t' are 'shit'); Hangul syllables are kept whole,
//     so a one-syllable word does not match the start of another syllable
//     (the skeleton would split '좆' into jamo and find it in '조지');
//   - punctuation, symbols, emoji, accents and other marks are dropped
//     ('f.u.c.k', 'fück' and 'f💩ck' become 'fuck');
//   - tokens of one character are joined to their neighbours of one
//     character ('f u c k' becomes 'fuck', '씨 발' becomes '씨발'); longer
//     tokens stay apart, so 'push it' does not contain 'shit'.
func MatchForm(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	var out strings.Builder
	prevSingle := false
	for _, token := range strings.FieldsFunc(s, isSeparator) {
		t := tokenForm(token)
		if t == "" {
			continue
		}
		single := utf8.RuneCountInString(t) == 1
		if out.Len() > 0 && !(single && prevSingle) {
			out.WriteByte(' ')
		}
		out.WriteString(t)
		prevSingle = single
	}
	return out.String()
}

func isSeparator(r rune) bool {
	return unicode.In(r, unicode.Z, unicode.Cc)
}

// tokenForm is the match form of one token (no spaces in it).
func tokenForm(token string) string {
	var b strings.Builder
	start := 0
	inHangul := false
	flush := func(end int) {
		run := token[start:end]
		if inHangul {
			b.WriteString(run)
		} else if run != "" {
			b.WriteString(Key(readStandIns(run)))
		}
		start = end
	}
	for i, r := range token {
		h := isHangulSyllable(r)
		if h != inHangul {
			flush(i)
			inHangul = h
		}
	}
	flush(len(token))

	// drop what is not a letter or a digit, accents included (NFD, then
	// NFC again, which puts Hangul syllables back together exactly)
	kept := strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.L, unicode.N) {
			return r
		}
		return -1
	}, norm.NFD.String(b.String()))
	return norm.NFC.String(kept)
}

// readStandIns reads digits and symbols that stand in for letters as
// those letters, in a run that has at least one Latin letter.
func readStandIns(run string) string {
	hasLatin := false
	for _, r := range run {
		if r < utf8.RuneSelf && unicode.IsLetter(r) {
			hasLatin = true
			break
		}
	}
	if !hasLatin {
		return run
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '@', '4':
			return 'a'
		case '3':
			return 'e'
		case '5', '$':
			return 's'
		case '7':
			return 't'
		case '!':
			return 'l'
		}
		return r
	}, run)
}

func isHangulSyllable(r rune) bool {
	return r >= 0xAC00 && r <= 0xD7A3
}
