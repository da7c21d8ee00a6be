package polls_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/circlytest"
	"circly/store"
)

// TestOtherCommitsWakeTheCopier: records saved outside the ballot box are
// copied from the WAL into data.db by the ballot box's copier without
// waiting for the next vote. The writer's own checkpoints are off, the
// minute job is stopped and no vote follows, so data.db grows only
// through the copier.
func TestOtherCommitsWakeTheCopier(t *testing.T) {
	t.Parallel()
	app := circlytest.NewTestApp(t)
	f := newPollFixture(t, app, 4, true)
	circlytest.Circly(t, app).Polls.StopMinuteJob(app)
	f.mustVote(t, 0, 0) // the ballot box and its copier exist from here

	circlytest.WriterCheckpointsOff(t, app)
	// everything so far into data.db (busy while the copier copies the vote)
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		err := store.TruncateWAL(app)
		if err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal(err)
		}
	}
	before := circlytest.DataDBSize(t, app)

	notes := core.NewBaseCollection("copier_notes")
	notes.Fields.Add(&core.TextField{Name: "text", Max: 5000})
	if err := app.Save(notes); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		r := core.NewRecord(notes)
		r.Set("text", strings.Repeat("x", 2000))
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	circlytest.WaitForDataDBGrowth(t, app, before, "100 records were saved, no vote followed, nothing was copied")
}
