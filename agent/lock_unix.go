//go:build unix

package agent

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// tryLock takes an exclusive lock on f without waiting; the lock ends when
// f is closed or the process exits. ErrBusy when another holds it.
func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrBusy
	} else if err != nil {
		return fmt.Errorf("lock state folder: %w", err)
	}
	return nil
}
