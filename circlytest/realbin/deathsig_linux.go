package realbin

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel SIGKILL the server when this process dies
// without cleaning up (a test binary's timeout panic, a crash). taskset
// keeps the setting when it execs the binary.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
