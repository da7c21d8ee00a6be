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
	"circly/notify"
	_ "circly/pb_migrations"
	"circly/seed"
	"circly/server"
	"circly/store"
)

// embeddedPublic is pb_public as built into the binary, so the one file
// deploys alone; a pb_public folder beside the binary serves instead.
//
//go:embed all:pb_public
var embeddedPublic embed.FS

func main() {
	if err := config.LoadDotEnv(".env"); err != nil {
		log.Fatal(err)
	}
	cfg, err := config.FromEnv()
	if err != nil {
		log.Fatal(err)
	}

	// PocketBase's defaults, with secure_delete on (see store.Connect)
	app := pocketbase.NewWithConfig(pocketbase.Config{DBConnect: store.Connect})

	migratecmd.MustRegister(app, app.RootCmd, migratecmd.Config{
		Dir:          "pb_migrations",
		TemplateLang: migratecmd.TemplateLangGo,
		Automigrate:  false,
	})

	circly := server.Register(app, cfg, publicFS())
	notify.Register(app, circly.Polls, notify.SettingsFrom(cfg))
	server.LogLifecycle(app, os.Stdout)

	app.RootCmd.AddCommand(seedCommand(app), healthcheckCommand(), metricsTokenCommand(app))

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
