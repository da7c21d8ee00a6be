package sdkgen

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"circly/circlytest"
)

// TestGeneratedFilesAreCommitted regenerates the TypeScript in memory and
// fails when sdk/src differs: the server's collections or route types
// changed and the typed client was not regenerated.
func TestGeneratedFilesAreCommitted(t *testing.T) {
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(circlytest.RepoRoot(), DefaultDir)
	for _, name := range []string{RecordsFile, RoutesFile} {
		committed, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v; run `go run . sdk-types`", name, err)
			continue
		}
		if !bytes.Equal(committed, files[name]) {
			t.Errorf("%s/%s is out of date with the server (first difference at line %d); run `go run . sdk-types`",
				DefaultDir, name, firstDifferentLine(committed, files[name]))
		}
	}
}

func firstDifferentLine(a, b []byte) int {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i + 1
		}
	}
	return min(len(la), len(lb)) + 1
}

// TestGenerateIsDeterministic: two runs write the same bytes (no map
// order, no time, no temporary path in the output).
func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

var circlyPath = regexp.MustCompile(`^/api/circly/\S*$`)

// TestEveryCirclyRouteIsTyped finds every "/api/circly/…" string in the
// server's Go code (tests and the tools that only call the server aside)
// and fails when one is neither a route of the catalog nor listed in
// NotForTheApp: a new route must get a typed call.
func TestEveryCirclyRouteIsTyped(t *testing.T) {
	known := map[string]bool{}
	for _, r := range Routes {
		known[r.Path] = true
	}
	for _, p := range NotForTheApp {
		known[p] = true
	}
	root := circlytest.RepoRoot()
	skip := []string{"bench", "systemtest", "circlytest", "sdkgen", "e2e", "sdk", "node_modules", ".git"}
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && slices.Contains(skip, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && circlyPath.MatchString(s) {
				rel, _ := filepath.Rel(root, path)
				found = append(found, s)
				if !known[s] {
					t.Errorf("%s: route %s has no typed call: add it to sdkgen.Routes (or NotForTheApp) and run `go run . sdk-types`", rel, s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// the catalog's own custom routes were seen, so the scan works
	for _, r := range Routes {
		if strings.HasPrefix(r.Path, "/api/circly/") && !slices.Contains(found, r.Path) {
			t.Errorf("the scan did not find %s", r.Path)
		}
	}
}
