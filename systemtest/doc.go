// Package systemtest holds tests that run the real circly binary as a
// separate process: crash safety (SIGKILL under load, then a restart on the
// same data dir), graceful shutdown (SIGTERM), and backup and restore. The
// binary is built once per test run; every server gets a fresh data dir and
// a free loopback port, and is killed by PID when its test ends.
package systemtest
