package sim

import (
	"sync/atomic"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// Stats are a fleet's counters. Counts of events are totals since New;
// Enrolled, Stopped and PushConnected are current.
type Stats struct {
	Devices       int   // simulated devices
	Enrolled      int64 // devices holding a credential
	EnrollFailed  int64 // enrollments that gave up
	Stopped       int64 // devices wiped, or whose credential the server refused
	PushConnected int64 // open push WebSockets
	PushConnects  int64 // successful push dials, reconnections included
	PushFallbacks int64 // dials answered without an upgrade, followed by a spell of long polling
	Pings         int64 // push pings answered

	CheckInsOK     int64
	CheckInsFailed int64
	Refusals       int64 // inventory fields the server refused

	CommandsReceived    int64 // distinct commands taken for execution
	CommandsDuplicate   int64 // deliveries of a command already taken
	CommandsExpired     int64 // commands delivered past their expiry, not run
	CommandsAcked       int64
	CommandsSucceeded   int64 // results delivered, by status
	CommandsFailed      int64
	CommandsUnsupported int64
	CommandsGone        int64 // the server no longer had the command at ack (404, 409, 410)
	RequestErrors       int64 // acks or results that failed after retries

	Consents       int64 // location decisions sent
	PointsSent     int64 // location points the server accepted
	VisitsSent     int64 // web visits the server accepted
	PrivacyRefused int64 // location or web-history batches the server refused

	AppDownloads     int64 // APKs downloaded whose SHA-256 matched the command's
	AppDownloadBytes int64 // their bytes
	AppDownloadsBad  int64 // APKs downloaded whose SHA-256 did not match

	PolicyFetches        int64 // policies fetched and applied (200)
	PolicyNotModified    int64 // conditional fetches answered 304
	PolicyReports        int64 // policy reports the server accepted
	DirectoryFetches     int64 // company directories fetched (200)
	DirectoryNotModified int64 // conditional fetches answered 304
	FileDownloads        int64 // shared files downloaded whose SHA-256 matched the manifest
	FileDownloadBytes    int64 // their bytes
	FileDownloadsBad     int64 // shared files whose size or SHA-256 did not match
	FilesRemoved         int64 // shared files dropped because the directory no longer listed them
}

type counters struct {
	enrolled, enrollFailed, stopped                     atomic.Int64
	pushConnected, pushConnects, pushFallbacks, pings   atomic.Int64
	checkInsOK, checkInsFailed, refusals                atomic.Int64
	received, duplicates, expired, acked                atomic.Int64
	succeeded, failed, unsupported, gone, requestErrors atomic.Int64
	consents, points, visits, privacyRefused            atomic.Int64
	downloads, downloadBytes, downloadsBad              atomic.Int64
	policyFetches, policyNotModified, policyReports     atomic.Int64
	directoryFetches, directoryNotModified              atomic.Int64
	fileDownloads, fileDownloadBytes, fileDownloadsBad  atomic.Int64
	filesRemoved                                        atomic.Int64
}

// Stats returns the fleet's counters now.
func (f *Fleet) Stats() Stats {
	c := &f.c
	return Stats{
		Devices: len(f.devices), Enrolled: c.enrolled.Load(), EnrollFailed: c.enrollFailed.Load(),
		Stopped: c.stopped.Load(), PushConnected: c.pushConnected.Load(), PushConnects: c.pushConnects.Load(),
		PushFallbacks: c.pushFallbacks.Load(), Pings: c.pings.Load(),
		CheckInsOK: c.checkInsOK.Load(), CheckInsFailed: c.checkInsFailed.Load(), Refusals: c.refusals.Load(),
		CommandsReceived: c.received.Load(), CommandsDuplicate: c.duplicates.Load(), CommandsExpired: c.expired.Load(),
		CommandsAcked: c.acked.Load(), CommandsSucceeded: c.succeeded.Load(), CommandsFailed: c.failed.Load(),
		CommandsUnsupported: c.unsupported.Load(), CommandsGone: c.gone.Load(), RequestErrors: c.requestErrors.Load(),
		Consents: c.consents.Load(), PointsSent: c.points.Load(), VisitsSent: c.visits.Load(), PrivacyRefused: c.privacyRefused.Load(),
		AppDownloads: c.downloads.Load(), AppDownloadBytes: c.downloadBytes.Load(), AppDownloadsBad: c.downloadsBad.Load(),
		PolicyFetches: c.policyFetches.Load(), PolicyNotModified: c.policyNotModified.Load(), PolicyReports: c.policyReports.Load(),
		DirectoryFetches: c.directoryFetches.Load(), DirectoryNotModified: c.directoryNotModified.Load(),
		FileDownloads: c.fileDownloads.Load(), FileDownloadBytes: c.fileDownloadBytes.Load(), FileDownloadsBad: c.fileDownloadsBad.Load(),
		FilesRemoved: c.filesRemoved.Load(),
	}
}

// CommandTiming is what the fleet saw of one command. A benchmark that
// knows when it enqueued a command computes enqueue → first sighting (or
// → ack) from ReceivedAt, which is read from the fleet's Clock.
type CommandTiming struct {
	DeviceID   string
	Type       string
	ReceivedAt time.Time     // first sighting (push, long poll or check-in answer)
	AckedAt    time.Time     // zero until acknowledged
	ToAck      time.Duration // first sighting → ack accepted, on the monotonic clock
	FinishedAt time.Time     // result sent (or the command found gone)
	Status     string        // succeeded, failed, unsupported, gone, interrupted (Run ended); "" while running

	mono time.Time
}

func (f *Fleet) recordReceived(c protocol.Command, deviceID string, at, mono time.Time) {
	f.timesMu.Lock()
	defer f.timesMu.Unlock()
	if _, ok := f.times[c.ID]; !ok {
		f.times[c.ID] = &CommandTiming{DeviceID: deviceID, Type: c.Type, ReceivedAt: at, mono: mono}
	}
}

func (f *Fleet) recordAck(id string, at time.Time) {
	f.timesMu.Lock()
	defer f.timesMu.Unlock()
	if t, ok := f.times[id]; ok && t.AckedAt.IsZero() {
		t.AckedAt, t.ToAck = at, time.Since(t.mono)
	}
}

func (f *Fleet) recordEnd(id string, at time.Time, status string) {
	f.timesMu.Lock()
	defer f.timesMu.Unlock()
	if t, ok := f.times[id]; ok {
		t.FinishedAt, t.Status = at, status
	}
}

func (f *Fleet) dropTiming(id string) {
	f.timesMu.Lock()
	defer f.timesMu.Unlock()
	delete(f.times, id)
}

// CommandTimes returns a copy of the timings of the commands seen, by
// command ID. They are kept until TakeCommandTimes takes them.
func (f *Fleet) CommandTimes() map[string]CommandTiming {
	f.timesMu.Lock()
	defer f.timesMu.Unlock()
	out := make(map[string]CommandTiming, len(f.times))
	for id, t := range f.times {
		out[id] = *t
	}
	return out
}

// TakeCommandTimes returns the timings of finished commands and forgets
// them, so that a long run's memory stays flat; commands still running stay.
func (f *Fleet) TakeCommandTimes() map[string]CommandTiming {
	f.timesMu.Lock()
	defer f.timesMu.Unlock()
	out := map[string]CommandTiming{}
	for id, t := range f.times {
		if t.Status != "" {
			out[id] = *t
			delete(f.times, id)
		}
	}
	return out
}
