// Package sdkgen writes the generated part of the typed client (sdk/):
// a TypeScript record type per collection, read from a database migrated
// with Circly's real migrations, and the types of the custom routes'
// bodies and answers, read from their Go types by reflection. The
// command `circly sdk-types` (also `go generate`) writes them into
// sdk/src; a test fails when the committed files differ.
package sdkgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	_ "circly/pb_migrations" // the migrations the generated types come from
	"circly/store"
)

// CommandName is the subcommand that writes the files.
const CommandName = "sdk-types"

// DefaultDir is where the generated files go, from the repository root.
const DefaultDir = "sdk/src"

// Files are the generated files' names in DefaultDir.
const (
	RecordsFile = "records.gen.ts"
	RoutesFile  = "routes.gen.ts"
)

// Generate returns the generated files by name. It migrates a temporary
// database of its own: the types describe the schema the migrations make,
// never a running server's data dir (nor edits made in its dashboard).
func Generate() (map[string][]byte, error) {
	cols, err := migratedCollections()
	if err != nil {
		return nil, fmt.Errorf("sdkgen: migrate a temporary database: %w", err)
	}
	records, err := recordsTS(cols)
	if err != nil {
		return nil, fmt.Errorf("sdkgen: records: %w", err)
	}
	routes, err := routesTS()
	if err != nil {
		return nil, fmt.Errorf("sdkgen: routes: %w", err)
	}
	return map[string][]byte{RecordsFile: []byte(records), RoutesFile: []byte(routes)}, nil
}

// migratedCollections runs every migration on an empty data dir and
// returns Circly's collections.
func migratedCollections() ([]*core.Collection, error) {
	dir, err := os.MkdirTemp("", "circly_sdkgen_*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: store.Connect})
	if err := app.Bootstrap(); err != nil {
		return nil, err
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		return nil, err
	}
	return appCollections(app)
}

// Write generates the files into dir; it reports the files it changed.
func Write(dir string) (changed []string, err error) {
	files, err := Generate()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	for _, name := range []string{RecordsFile, RoutesFile} {
		path := filepath.Join(dir, name)
		old, _ := os.ReadFile(path)
		if bytes.Equal(old, files[name]) {
			continue
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return nil, err
		}
		changed = append(changed, path)
	}
	return changed, nil
}

// Command is `circly sdk-types [--out DIR]`. It needs no data dir and no
// settings: main.go runs it before the app is set up.
func Command() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   CommandName,
		Short: "Writes the typed client's generated TypeScript (" + RecordsFile + ", " + RoutesFile + ") into --out",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			changed, err := Write(out)
			if err != nil {
				return err
			}
			if len(changed) == 0 {
				cmd.Printf("%s: up to date\n", out)
			}
			for _, path := range changed {
				cmd.Printf("wrote %s\n", path)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", DefaultDir, "directory of the generated files")
	return cmd
}
