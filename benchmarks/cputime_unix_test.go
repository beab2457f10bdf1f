//go:build unix

package benchmarks

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the whole process has used so
// far: client, in-process server, GC and the kernel's loopback work alike.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
