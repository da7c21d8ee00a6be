// Command circly is the Circly backend: PocketBase extended with device
// login, circles and invites, anonymous polls, live results and Expo push
// notifications, in one binary with embedded SQLite.
package main

import (
	"embed"
	"fmt"
	"io/fs"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/plugins/migratecmd"
	"github.com/spf13/cobra"

	"circly/config"
	"circly/gcpace"
	"circly/notify"
	_ "circly/pb_migrations"
	"circly/replica"
	"circly/sdkgen"
	"circly/seed"
	"circly/server"
	"circly/store"
)

// embeddedPublic is pb_public as built into the binary, so the one file
// deploys alone; a pb_public folder beside the binary serves instead.
//
//go:embed all:pb_public
var embeddedPublic embed.FS

//go:generate go run . sdk-types

func main() {
	// sdk-types migrates a temporary database of its own: it needs no
	// settings and must not set up a data dir, so it runs before the app
	if len(os.Args) > 1 && os.Args[1] == sdkgen.CommandName {
		cmd := sdkgen.Command()
		cmd.SetArgs(os.Args[2:])
		if err := cmd.Execute(); err != nil {
			os.Exit(1)
		}
		return
	}

	if err := config.LoadDotEnv(".env"); err != nil {
		log.Fatal(err)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}

	// restore runs without PocketBase: its bootstrap would open (and create)
	// the very database the restore must write
	if len(os.Args) > 1 && os.Args[1] == "restore" {
		cmd := restoreCommand(cfg)
		cmd.SetArgs(os.Args[2:])
		if err := cmd.Execute(); err != nil {
			os.Exit(1)
		}
		return
	}

	// PocketBase's defaults, with secure_delete on (see store.Connect)
	app := pocketbase.NewWithConfig(pocketbase.Config{DBConnect: store.Connect,
		DataMaxOpenConns: store.ReadConns, DataMaxIdleConns: store.ReadConns})

	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		Dir:          "pb_migrations",
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  false,
	})

	circly := server.Register(app, cfg, publicFS())
	notify.Register(app, circly.Polls, notify.SettingsFrom(cfg))
	server.LogLifecycle(app, os.Stdout)
	// after the others: its terminate hook ships what theirs wrote last
	replica.Register(app, replica.SettingsFrom(cfg))

	app.RootCmd.AddCommand(seedCommand(app), healthcheckCommand(), sdkgen.Command(), restoreCommand(cfg), metricsTokenCommand(app))

	// the collector paced to the allocation rate (see gcpace); the process
	// ends with the app, so pacing is never stopped
	gcpace.Start()
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}

// publicFS picks the pb_public folder beside the executable when there is
// one, else the embedded copy.
func publicFS() fs.FS {
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Join(filepath.Dir(exe), "pb_public")
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			return os.DirFS(dir)
		}
	}
	sub, err := fs.Sub(embeddedPublic, "pb_public")
	if err != nil {
		log.Fatal(err)
	}
	return sub
}

func seedCommand(app core.App) *cobra.Command {
	return &cobra.Command{
		Use:   "seed",
		Short: "Adds the curated question templates that are missing (never changes existing ones)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := app.Bootstrap(); err != nil {
				return err
			}
			n, err := seed.LoadTemplates(app)
			if err != nil {
				return err
			}
			cmd.Printf("added %d question templates\n", n)
			return nil
		},
	}
}

// metricsTokenCommand prints a bearer token for the metrics route, or
// revokes every one issued (API.md §12). The token alone goes to stdout,
// so that TOKEN=$(circly metrics-token) works.
func metricsTokenCommand(app core.App) *cobra.Command {
	var revoke bool
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "metrics-token",
		Short: "Prints a long-lived bearer token for GET /api/circly/metrics (--revoke-all invalidates every one issued)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !app.IsBootstrapped() {
				if err := app.Bootstrap(); err != nil {
					return err
				}
			}
			// a data dir never served yet gets its schema first
			if err := app.RunAllMigrations(); err != nil {
				return err
			}
			if revoke {
				gen, err := server.RevokeMetricsTokens(app)
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "revoked every metrics token issued so far (generation is now %d)\n", gen)
				return nil
			}
			token, err := server.IssueMetricsToken(app, ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			return nil
		},
	}
	cmd.Flags().BoolVar(&revoke, "revoke-all", false, "invalidate every metrics token issued so far (prints no new one)")
	cmd.Flags().DurationVar(&ttl, "ttl", 0, "expire the token after this long, e.g. 8760h (default: no expiry; revoke with --revoke-all)")
	return cmd
}

// healthcheckCommand probes a running server's health route; the container
// image has no shell or curl, so its HEALTHCHECK runs this.
func healthcheckCommand() *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exits 0 when the server at --url answers its health check",
		RunE: func(cmd *cobra.Command, args []string) error {
			client := &http.Client{Timeout: 3 * time.Second}
			res, err := client.Get(url)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("health check answered %d", res.StatusCode)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://127.0.0.1:8090/api/health", "health endpoint to probe")
	return cmd
}

// restoreCommand restores the newest replicated state of the database into
// an empty data dir (see replica.Restore).
func restoreCommand(cfg config.Config) *cobra.Command {
	var replicaURL, dir string
	cmd := &cobra.Command{
		Use:          "circly restore",
		SilenceUsage: true,
		Short:        "Restores the newest replicated database into an empty data dir (circly.key may be there)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if replicaURL == "" {
				replicaURL = cfg.ReplicaURL
			}
			if replicaURL == "" {
				return fmt.Errorf("--replica (or CIRCLY_REPLICA_URL) is required")
			}
			if err := replica.Restore(cmd.Context(), replicaURL, cfg.ReplicaS3Endpoint, dir); err != nil {
				return err
			}
			cmd.Printf("restored %s\n", filepath.Join(dir, replica.DBFile))
			return nil
		},
	}
	cmd.Flags().StringVar(&replicaURL, "replica", "", "replica URL: file:///path or s3://bucket/prefix (default CIRCLY_REPLICA_URL)")
	cmd.Flags().StringVar(&dir, "dir", "pb_data", "the data dir to fill: missing or empty but for circly.key")
	return cmd
}
