package notify

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/oliveagle/jsonpath"
)

// A push copy template is text with placeholders: a JSONPath expression in
// braces, such as {$.circle.name}, is replaced by the text it selects in
// the push's payload (Payload), resolved with oliveagle/jsonpath. {{ and }}
// stand for literal braces. A template is malformed when a brace is not
// closed or not opened, a placeholder is empty or holds a brace, or its
// expression does not compile (it must start with $); malformed templates
// are refused when saved. A well-formed placeholder that selects nothing,
// or selects something other than a string, number or bool, does not
// resolve; that is only known when a push is built.

// TemplateError says which placeholder of a template is malformed or did
// not resolve, and why.
type TemplateError struct {
	Placeholder string // as written, braces included; "" when the error is not in one
	Reason      string
}

func (e *TemplateError) Error() string {
	if e.Placeholder == "" {
		return e.Reason
	}
	return e.Placeholder + ": " + e.Reason
}

// Template is a parsed push copy template.
type Template struct {
	parts []part
}

// part is literal text, or a placeholder when path is set.
type part struct {
	text string // the literal text, or the placeholder as written
	path *jsonpath.Compiled
}

// ParseTemplate parses s, or returns a *TemplateError naming what is
// malformed.
func ParseTemplate(s string) (*Template, error) {
	t := &Template{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "{{"):
			lit.WriteByte('{')
			i += 2
		case strings.HasPrefix(s[i:], "}}"):
			lit.WriteByte('}')
			i += 2
		case s[i] == '}':
			return nil, &TemplateError{Reason: fmt.Sprintf("a } at character %d closes no placeholder (write }} for a brace)", i+1)}
		case s[i] == '{':
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				return nil, &TemplateError{Placeholder: s[i:], Reason: "the placeholder is not closed with }"}
			}
			raw := s[i : i+end+2]
			path, err := compilePlaceholder(raw)
			if err != nil {
				return nil, err
			}
			flush()
			t.parts = append(t.parts, part{text: raw, path: path})
			i += end + 2
		default:
			lit.WriteByte(s[i])
			i++
		}
	}
	flush()
	return t, nil
}

// compilePlaceholder compiles the expression of raw ("{…}").
func compilePlaceholder(raw string) (path *jsonpath.Compiled, err error) {
	expr := strings.TrimSpace(raw[1 : len(raw)-1])
	switch {
	case expr == "":
		return nil, &TemplateError{Placeholder: raw, Reason: "the placeholder is empty"}
	case strings.Contains(expr, "{"):
		return nil, &TemplateError{Placeholder: raw, Reason: "a placeholder cannot hold a { (write {{ for a brace)"}
	case !strings.HasPrefix(expr, "$"):
		return nil, &TemplateError{Placeholder: raw, Reason: "a placeholder is a JSONPath expression starting with $, such as {$.circle.name}"}
	}
	// the library indexes and type-asserts without checking on some inputs
	defer func() {
		if r := recover(); r != nil {
			path, err = nil, &TemplateError{Placeholder: raw, Reason: fmt.Sprintf("not a JSONPath expression (%v)", r)}
		}
	}()
	path, err = jsonpath.Compile(expr)
	if err != nil {
		return nil, &TemplateError{Placeholder: raw, Reason: "not a JSONPath expression: " + err.Error()}
	}
	return path, nil
}

// Render replaces the placeholders with what they select in payload, or
// returns a *TemplateError naming the first that does not resolve.
func (t *Template) Render(payload map[string]any) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.path == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := lookup(p.path, payload)
		if err != nil {
			return "", &TemplateError{Placeholder: p.text, Reason: err.Error()}
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// lookup returns the text path selects in payload: a string, number or
// bool.
func lookup(path *jsonpath.Compiled, payload map[string]any) (text string, err error) {
	defer func() {
		if r := recover(); r != nil {
			text, err = "", fmt.Errorf("does not resolve (%v)", r)
		}
	}()
	v, err := path.Lookup(payload)
	if err != nil {
		return "", fmt.Errorf("does not resolve (%v)", err)
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case nil:
		return "", fmt.Errorf("selects nothing")
	}
	return "", fmt.Errorf("selects a %T, not text", v)
}

// RenderTemplate parses and renders s over payload.
func RenderTemplate(s string, payload map[string]any) (string, error) {
	t, err := ParseTemplate(s)
	if err != nil {
		return "", err
	}
	return t.Render(payload)
}
