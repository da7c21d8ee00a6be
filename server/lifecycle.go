package server

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"circly/config"
)

// LogLifecycle announces the server's start, with every effective setting
// (secrets redacted, see config.Settings), and its stop, to out (main.go
// passes stdout, so the terminal shows them) and to the app's log. Only
// `serve` announces anything: the start line comes once the listener is
// bound, and the stop line only after a start, when the app terminates on
// SIGTERM or SIGINT (PocketBase's OnTerminate), around the shutdown of the
// ballot box and the dispatcher: "stopping" first, "stopped" last.
func LogLifecycle(app core.App, out io.Writer) {
	var startedAt atomic.Int64 // Unix nanoseconds; 0 until served
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		c := Of(e.App)
		if c == nil {
			return nil
		}
		settings := c.Config.Settings(c.SecretFile)
		addr := ""
		if e.Server != nil {
			addr = e.Server.Addr
		}
		started := time.Now()
		startedAt.Store(started.UnixNano())
		fmt.Fprintf(out, "%s Circly started on %s (data dir %s) with %s\n",
			started.Format(time.DateTime), addr, e.App.DataDir(), config.SettingsLine(settings))
		attrs := []any{"addr", addr, "dataDir", e.App.DataDir()}
		for _, s := range settings {
			attrs = append(attrs, s.Env, s.Value)
		}
		e.App.Logger().Info("Circly started", attrs...)
		return nil
	})

	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{
		Priority: -1000, // before the ballot box and the dispatcher stop
		Func: func(e *core.TerminateEvent) error {
			at := startedAt.Load()
			if at == 0 {
				return e.Next()
			}
			uptime := time.Since(time.Unix(0, at)).Round(time.Second)
			fmt.Fprintf(out, "%s Circly stopping after %s: writing queued votes, finishing the push run\n",
				time.Now().Format(time.DateTime), uptime)
			e.App.Logger().Info("Circly stopping", "uptime", uptime.String())
			err := e.Next()
			if err != nil {
				fmt.Fprintf(out, "%s Circly stopped with an error: %v\n", time.Now().Format(time.DateTime), err)
			} else {
				fmt.Fprintf(out, "%s Circly stopped\n", time.Now().Format(time.DateTime))
			}
			return err
		},
	})
}
