//go:build !unix

package agent

import "os"

// tryLock does nothing where flock(2) does not exist: the agent targets
// Linux, and elsewhere only its tests run.
func tryLock(*os.File) error { return nil }
