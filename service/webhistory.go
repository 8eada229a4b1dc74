package service

import (
	"context"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// IngestWebHistory stores a batch of visits while the device's account
// enables web history. A personal device's visits are refused and never
// stored (SPEC §2.3); so are a device's whose user withdrew web history.
// Visits steward.WebHistoryMaxAge old or older are dropped, and times in
// the future count as received now. EFORBIDDEN when refused.
func (s *Service) IngestWebHistory(ctx context.Context, dev *Device, req *protocol.WebHistoryRequest) (*protocol.IngestResponse, error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself
	now := s.now()
	if dev.Ownership != steward.OwnershipCompany {
		return nil, s.refuse(ctx, dev, "web_history", refusedPersonal, len(req.Visits),
			"Web history is never collected from a personal device; nothing was stored.")
	}
	keep := make([]*steward.WebVisit, 0, len(req.Visits))
	for _, v := range req.Visits {
		at := v.VisitedAt.UTC().Truncate(time.Millisecond)
		if at.After(now) {
			at = now
		}
		if now.Sub(at) >= steward.WebHistoryMaxAge {
			continue
		}
		keep = append(keep, &steward.WebVisit{ID: steward.NewID(now), DeviceID: dev.ID, URL: v.URL, Title: v.Title,
			VisitedAt: at, ReceivedAt: now})
	}
	var refused string
	err := s.store.InTx(ctx, func(ctx context.Context) (err error) {
		if refused, err = s.ingestGate(ctx, dev, steward.ConsentWebHistory); err != nil || refused != "" {
			return err
		}
		if len(keep) == 0 {
			return nil
		}
		return s.store.InsertWebVisits(ctx, keep)
	})
	if err != nil {
		return nil, err
	}
	switch refused {
	case refusedDisabled:
		return nil, s.refuse(ctx, dev, "web_history", refused, len(req.Visits),
			"Web history is not enabled for this device's account; nothing was stored.")
	case refusedPolicy:
		return nil, s.refuse(ctx, dev, "web_history", refused, len(req.Visits),
			"A policy turns web history off for this device; nothing was stored.")
	case refusedWithdrew:
		return nil, s.refuse(ctx, dev, "web_history", refused, len(req.Visits),
			"The device's user withdrew web history; nothing was stored.")
	}
	return &protocol.IngestResponse{Accepted: len(keep), Dropped: len(req.Visits) - len(keep)}, nil
}

// DeviceWebHistory returns a device's visits, newest first (at most limit,
// default 100, at most 500). Each view is audited
// ("device.web_history.view") in the transaction that reads. EFORBIDDEN
// (read-only roles), ENOTFOUND.
func (s *Service) DeviceWebHistory(ctx context.Context, id string, limit int) ([]*steward.WebVisit, error) {
	d, err := s.locationViewer(ctx, id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 500)
	var out []*steward.WebVisit
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if out, err = s.store.ListWebVisits(ctx, d.ID, limit); err != nil {
			return err
		}
		return s.record(ctx, d.AccountID, "device.web_history.view", "device", d.ID,
			map[string]any{"support_id": d.SupportID, "visits": len(out)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
