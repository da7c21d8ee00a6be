package collections_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

func TestLocaleOrDefault(t *testing.T) {
	for in, want := range map[string]string{"ko": "ko", "en": "en", "": "ko", "fr": "ko", "EN": "ko"} {
		if got := collections.LocaleOrDefault(in); got != want {
			t.Errorf("LocaleOrDefault(%q) = %q, want %q", in, got, want)
		}
	}
}

// An outbox row keeps a copy per locale; a row written before locales
// existed (no English copy) sends its Korean copy to everyone.
func TestNotificationCopyFor(t *testing.T) {
	row := collections.AsNotification(core.NewRecord(collections.NewNotifications()))
	row.SetTitle("제목")
	row.SetBody("본문")
	for _, locale := range []string{"ko", "en", "", "fr"} {
		if title, body := row.CopyFor(locale); title != "제목" || body != "본문" {
			t.Fatalf("old row, %q: %q / %q", locale, title, body)
		}
	}
	row.SetCopyFor(collections.LocaleEn, "Title", "Body")
	if title, body := row.CopyFor(collections.LocaleEn); title != "Title" || body != "Body" {
		t.Fatalf("en: %q / %q", title, body)
	}
	if title, _ := row.CopyFor(""); title != "제목" {
		t.Fatalf("no locale: %q", title)
	}
	row.SetCopyFor(collections.LocaleKo, "새 제목", "새 본문")
	if row.Title() != "새 제목" || row.Body() != "새 본문" {
		t.Fatalf("ko is title/body: %q / %q", row.Title(), row.Body())
	}
}
