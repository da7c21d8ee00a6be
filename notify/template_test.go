package notify_test

import (
	"errors"
	"strings"
	"testing"

	"circly/collections"
	"circly/notify"
	"circly/seed"
)

var samplePayload = map[string]any{
	"kind":   "poll_started",
	"circle": map[string]any{"name": "우리반"},
	"poll":   map[string]any{"question_text": "누가 제일 웃겨?", "deadline": "2026-11-27 14:30:00.000Z"},
}

func TestTemplateRenders(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"plain text":                               "plain text",
		"📊 {$.circle.name}에 새 질문":                  "📊 우리반에 새 질문",
		"{$.circle.name} · {$.poll.question_text}": "우리반 · 누가 제일 웃겨?",
		"{ $.poll.deadline }":                      "2026-11-27 14:30:00.000Z",
		"{$.kind}":                                 "poll_started",
		"{{literal}} and }}":                       "{literal} and }",
		"":                                         "",
		"{{{$.circle.name}}}":                      "{우리반}",
	}
	for in, want := range cases {
		got, err := notify.RenderTemplate(in, samplePayload)
		if err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestTemplateMalformed(t *testing.T) {
	t.Parallel()
	for in, placeholder := range map[string]string{
		"{$.circle.name":               "{$.circle.name",
		"새 질문 {}":                      "{}",
		"{circle.name}":                "{circle.name}",
		"{ name }":                     "{ name }",
		"{$.a{$.b}":                    "{$.a{$.b}",
		"a } b":                        "",
		"{$.poll[}":                    "{$.poll[}",
		"{$.circle.name} {$.x[1:2:3]}": "{$.x[1:2:3]}",
	} {
		_, err := notify.ParseTemplate(in)
		var te *notify.TemplateError
		if !errors.As(err, &te) || te.Placeholder != placeholder {
			t.Errorf("%q: %v, want an error about %q", in, err, placeholder)
		}
	}
}

// Well-formed placeholders that select nothing, or no text, do not
// resolve; the error names the placeholder.
func TestTemplateUnresolved(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"{$.circle.title}",
		"{$.circle}",
		"{$.poll.question_text[0]}",
		"{$.members[0].name}",
		"{$..name}",
		"{$.poll[?(@.x)]}",
	} {
		_, err := notify.RenderTemplate("a "+in+" b", samplePayload)
		var te *notify.TemplateError
		if !errors.As(err, &te) || te.Placeholder != in {
			t.Errorf("%q: %v, want it not to resolve", in, err)
		}
	}
}

// Every shipped copy is well-formed and resolves over any payload, naming
// the circle and the question.
func TestShippedCopyResolves(t *testing.T) {
	t.Parallel()
	for _, locale := range collections.Locales {
		for _, kind := range collections.CopyKinds {
			text := seed.PushCopy(kind, locale)
			title, err := notify.RenderTemplate(text.Title, samplePayload)
			if err != nil || title == "" {
				t.Fatalf("%s/%s title: %q %v", kind, locale, title, err)
			}
			body, err := notify.RenderTemplate(text.Body, samplePayload)
			if err != nil || !strings.Contains(body, "누가 제일 웃겨?") {
				t.Fatalf("%s/%s body: %q %v", kind, locale, body, err)
			}
			if !strings.Contains(title+body, "우리반") {
				t.Fatalf("%s/%s does not name the circle: %q / %q", kind, locale, title, body)
			}
		}
	}
	if seed.PushCopy(collections.KindPicked, "fr") != seed.PushCopy(collections.KindPicked, collections.LocaleKo) {
		t.Fatal("an unknown locale does not read as ko")
	}
}
