package sdkgen

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"circly/collections"
)

// jsonFieldTypes are the Go types stored in the JSON fields whose shape
// Circly knows, by "collection.field"; a JSON field not listed here is
// typed unknown. An empty JSON field reads null.
var jsonFieldTypes = map[string]reflect.Type{
	collections.Notifications + ".deliveries": reflect.TypeFor[[]collections.Delivery](),
}

// jsonFieldStructs names the structs those JSON fields hold.
var jsonFieldStructs = map[reflect.Type]string{
	reflect.TypeFor[collections.Delivery](): "Delivery",
}

// jsonFieldUnions are their string properties with a fixed set of values.
var jsonFieldUnions = map[string][]string{
	"Delivery.state": {collections.DeliveryPending, collections.DeliverySending, collections.DeliverySent,
		collections.DeliveryFailed, collections.DeliverySkipped},
}

// RecordTypeName is the TypeScript name of a collection's record type:
// "polls" → "PollsRecord", "account_codes" → "AccountCodesRecord".
func RecordTypeName(collection string) string {
	return pascal(collection) + "Record"
}

func pascal(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// appCollections returns Circly's collections of a migrated app (not
// PocketBase's system ones), by name.
func appCollections(app core.App) ([]*core.Collection, error) {
	all, err := app.FindAllCollections()
	if err != nil {
		return nil, err
	}
	var out []*core.Collection
	for _, c := range all {
		if !c.System {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *core.Collection) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// RecordKey is one property of a record as the API answers it.
type RecordKey struct {
	Name string
	// Optional: not in every answer (an auth record's email, shown to
	// itself and superusers only).
	Optional bool
	TS       string
	Help     string
}

// RecordKeys returns the properties of a collection's records as the
// record API shows them: collectionId and collectionName, then every field
// that is not hidden, in the collection's order.
func RecordKeys(c *core.Collection) ([]RecordKey, error) {
	var keys []RecordKey
	base := []RecordKey{
		{Name: core.FieldNameCollectionId, TS: "string"},
		{Name: core.FieldNameCollectionName, TS: quote(c.Name)},
	}
	for _, f := range c.Fields {
		if f.GetName() != core.FieldNameId && base != nil {
			keys, base = append(keys, base...), nil
		}
		if f.GetHidden() {
			continue
		}
		ts, err := fieldType(c, f)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", c.Name, f.GetName(), err)
		}
		keys = append(keys, RecordKey{
			Name:     f.GetName(),
			Optional: c.IsAuth() && f.GetName() == core.FieldNameEmail,
			TS:       ts,
			Help:     fieldHelp(f),
		})
	}
	return append(keys, base...), nil
}

// fieldType maps a PocketBase field to the TypeScript of its value in an
// API answer.
func fieldType(c *core.Collection, f core.Field) (string, error) {
	switch f := f.(type) {
	case *core.TextField, *core.EmailField, *core.URLField, *core.EditorField,
		*core.DateField, *core.AutodateField:
		return "string", nil
	case *core.NumberField:
		return "number", nil
	case *core.BoolField:
		return "boolean", nil
	case *core.SelectField:
		values := make([]string, len(f.Values))
		for i, v := range f.Values {
			values[i] = quote(v)
		}
		union := strings.Join(values, " | ")
		if f.IsMultiple() {
			return "(" + union + ")[]", nil
		}
		// an unset single select reads ""
		if !f.Required {
			union += ` | ""`
		}
		return union, nil
	case *core.RelationField:
		if f.IsMultiple() {
			return "string[]", nil
		}
		return "string", nil
	case *core.FileField:
		if f.IsMultiple() {
			return "string[]", nil
		}
		return "string", nil
	case *core.GeoPointField:
		return "{ lon: number; lat: number }", nil
	case *core.JSONField:
		t, ok := jsonFieldTypes[c.Name+"."+f.Name]
		if !ok {
			return "unknown", nil
		}
		w := &tsWriter{names: jsonFieldStructs, unions: jsonFieldUnions}
		ts, err := w.typeOf(t, c.Name+"."+f.Name)
		if err != nil {
			return "", err
		}
		return ts + " | null", nil
	}
	return "", fmt.Errorf("field type %q has no TypeScript mapping", f.Type())
}

// fieldHelp is the field's help text (the dashboard shows it under the
// field), when it has one.
func fieldHelp(f core.Field) string {
	v := reflect.ValueOf(f)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	h := v.FieldByName("Help")
	if !h.IsValid() || h.Kind() != reflect.String {
		return ""
	}
	return h.String()
}

func quote(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// recordsTS writes records.gen.ts: a record type per collection, the
// collection names, and TypedPocketBase.
func recordsTS(cols []*core.Collection) (string, error) {
	var b strings.Builder
	b.WriteString(header)
	b.WriteString("import type PocketBase from 'pocketbase';\n")
	b.WriteString("import type { RecordModel, RecordService } from 'pocketbase';\n\n")

	// the structs the JSON fields hold
	structs := make([]reflect.Type, 0, len(jsonFieldStructs))
	for t := range jsonFieldStructs {
		structs = append(structs, t)
	}
	slices.SortFunc(structs, func(a, b reflect.Type) int { return strings.Compare(jsonFieldStructs[a], jsonFieldStructs[b]) })
	w := &tsWriter{names: jsonFieldStructs, unions: jsonFieldUnions}
	for _, t := range structs {
		doc := "Stored in a JSON field (" + strings.Join(jsonFieldsHolding(t), ", ") + ")."
		if err := w.iface(&b, jsonFieldStructs[t], t, doc); err != nil {
			return "", err
		}
		b.WriteString("\n")
	}

	b.WriteString("/** Circly's collections by name. */\nexport const Collections = {\n")
	for _, c := range cols {
		fmt.Fprintf(&b, "  %s: %s,\n", pascal(c.Name), quote(c.Name))
	}
	b.WriteString("} as const;\n\n")
	b.WriteString("export type CollectionName = (typeof Collections)[keyof typeof Collections];\n\n")

	for _, c := range cols {
		keys, err := RecordKeys(c)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "/** A record of `%s` (%s collection) as the record API answers it. */\n", c.Name, c.Type)
		fmt.Fprintf(&b, "export interface %s {\n", RecordTypeName(c.Name))
		for _, k := range keys {
			if k.Help != "" {
				writeDoc(&b, "  ", k.Help)
			}
			q := ""
			if k.Optional {
				q = "?"
			}
			fmt.Fprintf(&b, "  %s%s: %s;\n", k.Name, q, k.TS)
		}
		b.WriteString("  /** Related records, when the request asked for `expand`. */\n")
		b.WriteString("  expand?: { [key: string]: unknown };\n")
		b.WriteString("}\n\n")
	}

	b.WriteString("/** The record type of each collection. */\nexport interface CollectionRecords {\n")
	for _, c := range cols {
		fmt.Fprintf(&b, "  %s: %s;\n", c.Name, RecordTypeName(c.Name))
	}
	b.WriteString("}\n\n")

	b.WriteString("/**\n * PocketBase with Circly's record types:\n * `pb.collection('polls')` is a `RecordService<PollsRecord>`.\n */\n")
	b.WriteString("export interface TypedPocketBase extends PocketBase {\n")
	for _, c := range cols {
		fmt.Fprintf(&b, "  collection(idOrName: %s): RecordService<%s>;\n", quote(c.Name), RecordTypeName(c.Name))
	}
	b.WriteString("  collection<M = RecordModel>(idOrName: string): RecordService<M>;\n")
	b.WriteString("}\n")
	return b.String(), nil
}

func jsonFieldsHolding(t reflect.Type) []string {
	var out []string
	for at, ft := range jsonFieldTypes {
		for ft.Kind() == reflect.Slice || ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft == t {
			out = append(out, "`"+at+"`")
		}
	}
	slices.Sort(out)
	return out
}

const header = "// Code generated by `go run . sdk-types`; DO NOT EDIT.\n" +
	"// Source: the collections of a freshly migrated Circly database, and the\n" +
	"// Go types of the custom routes' bodies and answers.\n\n"
