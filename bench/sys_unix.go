//go:build unix

package bench

import (
	"fmt"
	"syscall"
	"time"
)

// raiseOpenFiles raises this process's open-file limit to its hard limit
// (the server subprocess inherits it) and checks that need files fit.
func raiseOpenFiles(need int) (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, fmt.Errorf("setrlimit: %w", err)
		}
	}
	if uint64(need) > l.Cur {
		return l.Cur, fmt.Errorf("the fan-out needs about %d open files but this process may hold %d: lower --sockets or raise the hard limit (ulimit -Hn)", need, l.Cur)
	}
	return l.Cur, nil
}

// selfCPU is the CPU time this process (the load generator) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
