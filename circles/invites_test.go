package circles_test

import (
	"regexp"
	"strings"
	"testing"

	"circly/circles"
	"circly/collections"
)

func TestNewInviteCode(t *testing.T) {
	t.Parallel()

	if strings.ContainsAny(collections.InviteCodeAlphabet, "0O1I") {
		t.Fatal("the alphabet has look-alikes")
	}
	if len(collections.InviteCodeAlphabet) != 32 {
		t.Fatalf("alphabet size %d", len(collections.InviteCodeAlphabet))
	}
	pattern := regexp.MustCompile(collections.InviteCodePattern)

	const draws = 5000
	seen := map[string]bool{}
	used := map[rune]int{}
	for range draws {
		code := circles.NewInviteCode()
		if len(code) != circles.InviteCodeLength || !pattern.MatchString(code) {
			t.Fatalf("code %q does not match %s", code, collections.InviteCodePattern)
		}
		for _, r := range code {
			if !strings.ContainsRune(collections.InviteCodeAlphabet, r) {
				t.Fatalf("code %q has %q outside the alphabet", code, r)
			}
			used[r]++
		}
		seen[code] = true
	}
	// 32^6 codes: 5000 draws should practically never repeat
	if len(seen) < draws-2 {
		t.Fatalf("%d distinct codes in %d draws", len(seen), draws)
	}
	// every character is used, none grossly more than the others (expected ~937 each)
	if len(used) != len(collections.InviteCodeAlphabet) {
		t.Fatalf("only %d of %d characters used", len(used), len(collections.InviteCodeAlphabet))
	}
	for r, n := range used {
		if n < 600 || n > 1300 {
			t.Fatalf("character %q drawn %d times out of %d", r, n, draws*circles.InviteCodeLength)
		}
	}
	// the pattern itself refuses look-alikes and lower case
	for _, bad := range []string{"ABC0DE", "ABCODE", "ABC1DE", "ABCIDE", "abcdef", "ABCDE", "ABCDEFG"} {
		if pattern.MatchString(bad) {
			t.Fatalf("pattern accepts %q", bad)
		}
	}
}

func TestNewInviteLinkId(t *testing.T) {
	t.Parallel()

	pattern := regexp.MustCompile(collections.InviteLinkIdPattern)
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	if len(circles.InviteLinkIdAlphabet) != 64 || !urlSafe.MatchString(circles.InviteLinkIdAlphabet) {
		t.Fatalf("alphabet %q", circles.InviteLinkIdAlphabet)
	}

	seen := map[string]bool{}
	used := map[rune]bool{}
	for range 2000 {
		id := circles.NewInviteLinkId()
		if len(id) != 24 || len(id) < 22 || !pattern.MatchString(id) || !urlSafe.MatchString(id) {
			t.Fatalf("link id %q", id)
		}
		if seen[id] {
			t.Fatalf("link id %q drawn twice", id)
		}
		seen[id] = true
		for _, r := range id {
			used[r] = true
		}
	}
	if len(used) != 64 {
		t.Fatalf("only %d of 64 characters used", len(used))
	}
}
