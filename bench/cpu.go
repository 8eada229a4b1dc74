package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// CPUUse is the CPU time spent over a window, by whom. The server, the
// database and the generator share the machine's cores with whatever else
// runs on it; MachineBusy tells how full the cores were.
type CPUUse struct {
	Server      time.Duration `json:"server_ns"`
	Database    time.Duration `json:"database_ns,omitempty"` // the server's PostgreSQL backends
	Bench       time.Duration `json:"bench_ns"`              // this load generator
	MachineBusy float64       `json:"machine_busy"`          // share of all cores' time busy, whoever used it
}

// String says it in seconds.
func (u CPUUse) String() string {
	db := ""
	if u.Database > 0 {
		db = fmt.Sprintf(", database %.1f s", u.Database.Seconds())
	}
	return fmt.Sprintf("CPU server %.1f s%s, generator %.1f s; machine %.0f %% busy", u.Server.Seconds(), db, u.Bench.Seconds(), 100*u.MachineBusy)
}

// cpuSample is a reading of the CPU counters at one instant.
type cpuSample struct {
	server, bench time.Duration
	db            map[int]time.Duration // PostgreSQL backend → its CPU time
	busy, total   int64                 // machine, in ticks over all CPUs
	err           error
}

// sampleCPU reads the server's, its database backends', this process's
// and the machine's CPU counters.
func (s *server) sampleCPU(ctx context.Context) cpuSample {
	var c cpuSample
	c.server, c.err = procCPU(s.pid())
	c.bench = selfCPU()
	c.busy, c.total = machineCPU()
	if s.pg != nil {
		pids, err := s.pg.backends(ctx)
		if err != nil {
			c.err = errors.Join(c.err, err)
		}
		c.db = map[int]time.Duration{}
		for _, pid := range pids {
			if t, err := procCPU(pid); err == nil {
				c.db[pid] = t
			}
		}
	}
	return c
}

// since is the CPU used from an earlier sample to this one. A backend
// that started in between counts from zero; one that ended is lost.
func (c cpuSample) since(from cpuSample) CPUUse {
	u := CPUUse{Bench: c.bench - from.bench}
	if c.err == nil && from.err == nil {
		u.Server = c.server - from.server
	}
	for pid, t := range c.db {
		u.Database += t - from.db[pid]
	}
	if c.total > from.total {
		u.MachineBusy = float64(c.busy-from.busy) / float64(c.total-from.total)
	}
	return u
}

// procCPU is the CPU time a process has used, from /proc/<pid>/stat
// (utime + stime, in clock ticks of 1/100 s on Linux).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields follow its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// machineCPU reads the machine's busy and total CPU time from /proc/stat,
// in clock ticks summed over all CPUs; busy leaves out idle and iowait.
func machineCPU() (busy, total int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}
