package service

import "testing"

// TestPendingMarks: a device is known empty only when nothing was queued
// between reading its generation and marking it, and queueing clears it.
func TestPendingMarks(t *testing.T) {
	p := &pendingMarks{m: map[string]pendingState{}}
	if _, empty := p.state("d1"); empty {
		t.Fatal("an unknown device is known empty")
	}
	gen, _ := p.state("d1")
	p.markEmpty("d1", gen)
	if _, empty := p.state("d1"); !empty {
		t.Fatal("an empty read did not mark the device")
	}
	p.queued("d1")
	if _, empty := p.state("d1"); empty {
		t.Fatal("a queued command left the device marked empty")
	}

	// A poll reads the generation, a command is queued (and committed)
	// while it reads the queue, then the poll finds the queue empty: the
	// device must not be marked.
	gen, _ = p.state("d1")
	p.queued("d1")
	p.markEmpty("d1", gen)
	if _, empty := p.state("d1"); empty {
		t.Fatal("a stale empty read marked the device after a command was queued")
	}
	gen, _ = p.state("d1")
	p.forget("d1")
	p.markEmpty("d1", gen)
	if _, empty := p.state("d1"); empty {
		t.Fatal("a poll in flight during a wipe marked the device")
	}

	var nilMarks *pendingMarks // several nodes: no marks at all
	nilMarks.queued("d1")
	nilMarks.markEmpty("d1", 0)
	if _, empty := nilMarks.state("d1"); empty {
		t.Fatal("without marks a device is known empty")
	}
}
