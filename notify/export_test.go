package notify

import "time"

// SetCrashPoints installs functions the dispatcher calls right after a
// batch's claim is committed and right after Expo answered, before the
// outcome is recorded. A panic there stands for the process dying at that
// point.
func SetCrashPoints(n *Notifier, afterClaim, afterSend func()) {
	n.afterClaim, n.afterSend = afterClaim, afterSend
}

// ForgetLastSweep makes the next run read every scheduled row, as the
// first run after a start and every sweepEvery do.
func ForgetLastSweep(n *Notifier) {
	n.runMu.Lock()
	defer n.runMu.Unlock()
	n.lastSweep = time.Time{}
}
