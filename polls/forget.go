package polls

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"circly/store"
)

// Forget makes what a poll's close deleted unrecoverable from the WAL too:
// it checkpoints the WAL into the database and truncates it to zero bytes.
// Until then the WAL holds earlier versions of the pages the close rewrote
// (the salt, the old hashes). A checkpoint can be held up by a reader still
// on an older snapshot; Forget retries a few times and otherwise leaves it
// pending for the next CloseDuePolls (the dispatcher runs it every tick).
func (s *Service) Forget(app core.App) {
	s.forgetMu.Lock()
	defer s.forgetMu.Unlock()
	s.forgetPending = true
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 20 * time.Millisecond)
		}
		if err := store.TruncateWAL(app); err != nil {
			app.Logger().Debug("WAL truncate after a poll's close postponed", "error", err.Error())
			continue
		}
		s.forgetPending = false
		return
	}
	app.Logger().Warn("WAL truncate after a poll's close postponed; retried on the next dispatcher run")
}

// forgetIfPending runs Forget when an earlier one could not finish.
func (s *Service) forgetIfPending(app core.App) {
	s.forgetMu.Lock()
	pending := s.forgetPending
	s.forgetMu.Unlock()
	if pending {
		s.Forget(app)
	}
}
