package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets of the device path (issue: "10k devices on one small server").
// They were set for SQLite; the PostgreSQL figures are shown against them
// for comparison.
const (
	TargetCheckIns     = 10000       // check-ins per second, 10k devices over 64 connections
	TargetPolls        = 15000       // idle polls per second
	TargetFanoutP99    = time.Second // one bulk command to 10k sockets, p99 delivery
	TargetMemPerDevice = 20 << 10    // bytes of server memory per idle connected device
	TargetEnrollRatio  = 0.90        // enrollment rate at 10k devices over the rate at 1k
)

// WriteText writes the report as a table against the targets.
func WriteText(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "steward-bench: %s, %d devices, %d connections, %v per scenario, %d CPUs, load average %.1f → %.1f\n",
		r.Database, r.Devices, r.Conns, r.Duration, r.CPUs, r.LoadAvg[0], r.LoadAvg[1])
	if r.Revision != "" {
		fmt.Fprintf(w, "server revision %s\n", r.Revision)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nmeasure\tresult\ttarget\t")
	e := r.Enroll
	fmt.Fprintf(tw, "enrollment\t%.0f/s overall, %d errors\t\t\n", e.Rate, e.Errors)
	fmt.Fprintf(tw, "enrollment, last %d vs first %d\t%.0f/s vs %.0f/s = %.0f %%\t≥ %.0f %%  %s\t\n",
		e.Window, e.Window, e.LastRate, e.FirstRate, 100*e.Ratio, 100*TargetEnrollRatio, verdict(e.Ratio >= TargetEnrollRatio))
	for _, l := range []*LoadResult{r.CheckIn, r.Poll} {
		if l == nil {
			continue
		}
		name, target := "check-ins/s", float64(TargetCheckIns)
		if l.Scenario == "poll" {
			name, target = "idle polls/s", TargetPolls
		}
		fmt.Fprintf(tw, "%s\t%.0f (p50 %s, p99 %s, %d errors)\t≥ %.0f  %s\t\n", name, l.Rate,
			dur(l.Latency.P50), dur(l.Latency.P99), l.Errors, target, verdict(l.Rate >= target))
		perReq := dur(l.CPUPerReq)
		if l.DBPerReq > 0 {
			perReq += " + database " + dur(l.DBPerReq)
		}
		fmt.Fprintf(tw, "  CPU per request: server\t%s\t\t\n", perReq)
		fmt.Fprintf(tw, "  over %v\t%s\t\t\n", l.Duration, l.CPU)
	}
	if f := r.Fanout; f != nil {
		fmt.Fprintf(tw, "fan-out to %d sockets, delivery\tp50 %s, p99 %s, max %s\tp99 ≤ %s  %s\t\n", f.Sockets,
			dur(f.Delivery.P50), dur(f.Delivery.P99), dur(f.Delivery.Max), TargetFanoutP99,
			verdict(f.Delivery.P99 >= 0 && f.Delivery.P99 <= TargetFanoutP99))
		fmt.Fprintf(tw, "  first push; delivered within 1 s\t%s; %d of %d (%d not within %v)\t\t\n", dur(f.Delivery.Min),
			f.WithinSecond, f.Sockets, f.Delivery.Missing, f.Wait)
		ackWhen := "over HTTP, on receipt"
		if f.AckOnSocket {
			ackWhen = "on the socket, on receipt"
		}
		if f.AckLater {
			ackWhen = strings.Replace(ackWhen, "on receipt", "after every push arrived", 1)
		}
		fmt.Fprintf(tw, "  enqueue → ack answered (%s)\tp50 %s, p99 %s, max %s (%d errors)\t\t\n", ackWhen, dur(f.Ack.P50), dur(f.Ack.P99), dur(f.Ack.Max), f.AckErrors)
		fmt.Fprintf(tw, "  bulk command request\t%s, %d commands, %d pushed before it answered\t\t\n", dur(f.SendDuration), f.Commands, f.Pushed)
		fmt.Fprintf(tw, "  from the request to the last ack\t%s\t\t\n", f.CPU)
		fmt.Fprintf(tw, "memory per idle connected device\t%.1f KiB RSS (heap %.1f KiB, stacks %.1f KiB)\t≤ %d KiB  %s\t\n",
			f.RSSPerDevice/1024, f.HeapPerDevice/1024, f.StackPerDevice/1024, TargetMemPerDevice>>10,
			verdict(f.RSSPerDevice <= TargetMemPerDevice))
		fmt.Fprintf(tw, "  server RSS before → after\t%.1f → %.1f MiB; goroutines %d → %d\t\t\n",
			float64(f.RSSBefore)/(1<<20), float64(f.RSSAfter)/(1<<20), f.GoroutinesBefore, f.GoroutinesAfter)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "(targets set for SQLite; the load generator shares the machine with the server)")
	for _, p := range r.Profiles {
		fmt.Fprintf(w, "profile: %s\n", p)
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// dur rounds d for reading; a negative d is a percentile not reached.
func dur(d time.Duration) string {
	switch {
	case d < 0:
		return "—"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
