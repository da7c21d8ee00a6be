package request

import (
	"slices"
	"testing"

	"github.com/ganigeorgiev/fexpr"
)

func TestList(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  string
	}{
		{nil, ""},
		{[]string{"push_token"}, "push_token"},
		{[]string{"poll", "option"}, "poll and option"},
		{[]string{"name", "max_members", "image"}, "name, max_members and image"},
	} {
		if got := List(c.names); got != c.want {
			t.Errorf("List(%v) = %q, want %q", c.names, got, c.want)
		}
	}
}

// TestIdentifiers: every field a filter names is found, in groups and
// function arguments too, once each.
func TestIdentifiers(t *testing.T) {
	groups, err := fexpr.Parse(`nickname = 'a' && (circle.name ~ 'x' || nickname_key = nickname) && strftime('%Y', created) = '2026'`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"nickname", "circle.name", "nickname_key", "created"}
	if got := identifiers(groups); !slices.Equal(got, want) {
		t.Errorf("identifiers = %v, want %v", got, want)
	}
}
