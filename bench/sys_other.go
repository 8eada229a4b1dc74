//go:build !unix

package bench

import "time"

func raiseOpenFiles(need int) (uint64, error) { return 0, nil }

func selfCPU() time.Duration { return 0 }
