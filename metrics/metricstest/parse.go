// Package metricstest reads Prometheus' text exposition format strictly,
// for tests of the metrics route.
package metricstest

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Exposition is a parsed scrape.
type Exposition struct {
	Families []string          // in order
	Types    map[string]string // family → TYPE
	Help     map[string]string // family → HELP (unescaped)
	// Series maps each sample, written as name{l1="v1",l2="v2"} with the
	// labels sorted (name alone without labels), to its value.
	Series map[string]float64
	// Labels lists every label name and value seen, as "name=value".
	Labels []string
}

var (
	nameRe   = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelRe  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	typeSet  = map[string]bool{"counter": true, "gauge": true, "summary": true, "histogram": true, "untyped": true}
	suffixes = map[string][]string{"summary": {"_sum", "_count", ""}, "histogram": {"_sum", "_count", "_bucket"}}
)

// Parse reads text in the exposition format 0.0.4 and refuses anything
// loose: every line is "# HELP name text", "# TYPE name type" or
// `name{labels} value` (no timestamps, no other comments, no blank lines);
// each family has HELP then TYPE, once, before its samples, which follow
// together; a sample's name is its family's (or, for a summary, with _sum
// or _count); no series repeats; counters end in _total and are not
// negative; the text ends with a newline.
func Parse(text string) (*Exposition, error) {
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("the text does not end with a newline")
	}
	e := &Exposition{Types: map[string]string{}, Help: map[string]string{}, Series: map[string]float64{}}
	current, state := "", "" // the family and what was last read of it
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fail := func(format string, a ...any) (*Exposition, error) {
			return nil, fmt.Errorf("line %d %q: %s", i+1, line, fmt.Sprintf(format, a...))
		}
		switch {
		case strings.HasPrefix(line, "# HELP "):
			name, help, ok := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
			if !ok || !nameRe.MatchString(name) || help == "" {
				return fail("malformed HELP")
			}
			if _, seen := e.Help[name]; seen {
				return fail("second HELP of %s", name)
			}
			h, err := unescape(help, false)
			if err != nil {
				return fail("%v", err)
			}
			e.Help[name], current, state = h, name, "help"
			e.Families = append(e.Families, name)
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, ok := strings.Cut(strings.TrimPrefix(line, "# TYPE "), " ")
			if !ok || name != current || state != "help" || !typeSet[typ] {
				return fail("TYPE must follow its family's HELP and name a known type")
			}
			if typ == "counter" && !strings.HasSuffix(name, "_total") {
				return fail("a counter's name must end in _total")
			}
			e.Types[name], state = typ, "type"
		case strings.HasPrefix(line, "#"), line == "":
			return fail("only HELP and TYPE comments, and no blank lines")
		default:
			if state != "type" && state != "sample" {
				return fail("a sample before its family's HELP and TYPE")
			}
			key, labels, value, err := sample(line)
			if err != nil {
				return fail("%v", err)
			}
			name, _, _ := strings.Cut(key, "{")
			if !belongs(name, current, e.Types[current]) {
				return fail("sample of %s inside family %s", name, current)
			}
			if _, dup := e.Series[key]; dup {
				return fail("series repeated")
			}
			if e.Types[current] == "counter" && (value < 0 || math.IsNaN(value)) {
				return fail("a counter below zero")
			}
			e.Series[key], state = value, "sample"
			e.Labels = append(e.Labels, labels...)
		}
	}
	for _, f := range e.Families {
		if e.Types[f] == "" {
			return nil, fmt.Errorf("family %s has no TYPE", f)
		}
	}
	return e, nil
}

func belongs(name, family, typ string) bool {
	if name == family {
		return typ != "histogram"
	}
	for _, s := range suffixes[typ] {
		if s != "" && name == family+s {
			return true
		}
	}
	return false
}

// sample parses `name{labels} value` into its series key.
func sample(line string) (key string, labels []string, value float64, err error) {
	sp := strings.LastIndexByte(line, ' ')
	if sp < 0 {
		return "", nil, 0, fmt.Errorf("no value")
	}
	head, raw := line[:sp], line[sp+1:]
	switch raw {
	case "+Inf":
		value = math.Inf(1)
	case "-Inf":
		value = math.Inf(-1)
	case "NaN":
		value = math.NaN()
	default:
		value, err = strconv.ParseFloat(raw, 64)
		if err != nil || strings.ContainsAny(raw, "_xXpP") {
			return "", nil, 0, fmt.Errorf("bad value %q", raw)
		}
	}
	name, rest, hasLabels := strings.Cut(head, "{")
	if !nameRe.MatchString(name) {
		return "", nil, 0, fmt.Errorf("bad name %q", name)
	}
	if !hasLabels {
		return name, nil, value, nil
	}
	if !strings.HasSuffix(rest, "}") {
		return "", nil, 0, fmt.Errorf("labels not closed")
	}
	pairs, err := parseLabels(strings.TrimSuffix(rest, "}"))
	if err != nil {
		return "", nil, 0, err
	}
	names := make([]string, 0, len(pairs))
	for n := range pairs {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(name + "{")
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", n, pairs[n])
		labels = append(labels, n+"="+pairs[n])
	}
	b.WriteByte('}')
	return b.String(), labels, value, nil
}

// parseLabels reads l1="v1",l2="v2" (no trailing comma, no spaces).
func parseLabels(s string) (map[string]string, error) {
	out := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, fmt.Errorf("label without value")
		}
		name := s[:eq]
		if !labelRe.MatchString(name) || strings.HasPrefix(name, "__") {
			return nil, fmt.Errorf("bad label name %q", name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("label %s repeated", name)
		}
		s = s[eq+1:]
		if !strings.HasPrefix(s, `"`) {
			return nil, fmt.Errorf("label value not quoted")
		}
		end := 1
		for ; end < len(s); end++ {
			if s[end] == '\\' {
				end++
				continue
			}
			if s[end] == '"' {
				break
			}
		}
		if end >= len(s) {
			return nil, fmt.Errorf("label value not closed")
		}
		v, err := unescape(s[1:end], true)
		if err != nil {
			return nil, err
		}
		out[name] = v
		s = s[end+1:]
		if s != "" {
			if !strings.HasPrefix(s, ",") || len(s) == 1 {
				return nil, fmt.Errorf("labels must be separated by single commas")
			}
			s = s[1:]
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty label set written as {}")
	}
	return out, nil
}

// unescape undoes the format's escapes: \\ and \n, and \" in label values.
func unescape(s string, label bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' && label {
			return "", fmt.Errorf("unescaped quote")
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i == len(s) {
			return "", fmt.Errorf("dangling backslash")
		}
		switch {
		case s[i] == '\\':
			b.WriteByte('\\')
		case s[i] == 'n':
			b.WriteByte('\n')
		case s[i] == '"' && label:
			b.WriteByte('"')
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// Value returns a series' value; series is written as in Exposition.Series.
func (e *Exposition) Value(series string) (float64, bool) {
	v, ok := e.Series[series]
	return v, ok
}
