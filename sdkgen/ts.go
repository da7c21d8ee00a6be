package sdkgen

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// tsWriter turns Go types into TypeScript the way encoding/json writes
// them: a struct becomes an interface with one property per json tag
// (omitempty/omitzero: optional), a pointer may be null, an embedded
// struct's fields are inlined. Every struct type met must have a name
// (names), so the output never depends on the order types are met in.
type tsWriter struct {
	names map[reflect.Type]string
	// records names the record type a *core.Record field holds, by
	// "GoType.jsonName" (e.g. "FeedItem.poll": "PollsRecord").
	records map[string]string
	// unions are string properties with a fixed set of values, and
	// optional the properties the server takes without (both by
	// "TSName.jsonName").
	unions   map[string][]string
	optional map[string]bool
}

var (
	dateTimeType = reflect.TypeFor[types.DateTime]()
	recordType   = reflect.TypeFor[core.Record]()
)

// iface writes `export interface name { … }` for the struct type t.
func (w *tsWriter) iface(b *strings.Builder, name string, t reflect.Type, doc string) error {
	if doc != "" {
		writeDoc(b, "", doc)
	}
	fmt.Fprintf(b, "export interface %s {\n", name)
	if err := w.fields(b, t, t); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	b.WriteString("}\n")
	return nil
}

func (w *tsWriter) fields(b *strings.Builder, owner, t reflect.Type) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			if err := w.fields(b, owner, f.Type); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			return fmt.Errorf("field %s has no json name", f.Name)
		}
		at := w.nameOf(owner) + "." + name
		optional := w.optional[at] || strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
		ts, err := w.typeOf(f.Type, at)
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		if values, ok := w.unions[at]; ok {
			if f.Type.Kind() != reflect.String {
				return fmt.Errorf("field %s: a union of values needs a string", f.Name)
			}
			quoted := make([]string, len(values))
			for i, v := range values {
				quoted[i] = quote(v)
			}
			ts = strings.Join(quoted, " | ")
		}
		q := ""
		if optional {
			q = "?"
		}
		fmt.Fprintf(b, "  %s%s: %s;\n", name, q, ts)
	}
	return nil
}

func (w *tsWriter) nameOf(t reflect.Type) string {
	if name, ok := w.names[t]; ok {
		return name
	}
	return t.Name()
}

// typeOf returns the TypeScript of a Go type; at names the field (for a
// *core.Record, whose collection the type does not tell).
func (w *tsWriter) typeOf(t reflect.Type, at string) (string, error) {
	switch {
	case t == dateTimeType:
		return "string", nil
	case t == recordType:
		if r, ok := w.records[at]; ok {
			return r, nil
		}
		return "", fmt.Errorf("%s is a record: name its collection's type in records", at)
	}
	if name, ok := w.names[t]; ok {
		return name, nil
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number", nil
	case reflect.Pointer:
		inner, err := w.typeOf(t.Elem(), at)
		if err != nil {
			return "", err
		}
		if t.Elem() == recordType {
			return inner, nil // the routes never answer a null record
		}
		return inner + " | null", nil
	case reflect.Slice, reflect.Array:
		inner, err := w.typeOf(t.Elem(), at)
		if err != nil {
			return "", err
		}
		if strings.Contains(inner, " ") {
			inner = "(" + inner + ")"
		}
		return inner + "[]", nil
	case reflect.Map:
		inner, err := w.typeOf(t.Elem(), at)
		if err != nil {
			return "", err
		}
		return "{ [key: string]: " + inner + " }", nil
	case reflect.Interface:
		return "unknown", nil
	case reflect.Struct:
		return "", fmt.Errorf("struct %s has no TypeScript name", t)
	}
	return "", fmt.Errorf("no TypeScript for %s", t)
}

// writeDoc writes text as a /** … */ comment, indented by indent.
func writeDoc(b *strings.Builder, indent, text string) {
	text = strings.ReplaceAll(strings.TrimSpace(text), "*/", "* /")
	lines := strings.Split(text, "\n")
	if len(lines) == 1 {
		fmt.Fprintf(b, "%s/** %s */\n", indent, lines[0])
		return
	}
	fmt.Fprintf(b, "%s/**\n", indent)
	for _, l := range lines {
		fmt.Fprintf(b, "%s * %s\n", indent, strings.TrimRight(l, " "))
	}
	fmt.Fprintf(b, "%s */\n", indent)
}
