package store

import "time"

// BusyTimeoutMs is the busy timeout every connection is opened with.
const BusyTimeoutMs = busyTimeoutMs

// SetRestartWindow changes how long RestartWAL waits for readers of older
// snapshots, until the returned func puts it back.
func SetRestartWindow(tries int, wait time.Duration) (restore func()) {
	oldTries, oldWait := restartTries, restartWait
	restartTries, restartWait = tries, wait
	return func() { restartTries, restartWait = oldTries, oldWait }
}
