package service

import (
	"context"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/privacy"
)

// Catalog is the data catalog as the admin API serves it: the categories
// of personal data and the columns that hold none.
type Catalog struct {
	Categories  []steward.Category         `json:"categories"`
	Operational []privacy.OperationalGroup `json:"operational"`
}

// PrivacyCatalog returns the data catalog. Any signed-in manager may read
// it: it describes the software, not anyone's data. EUNAUTHENTICATED.
func (s *Service) PrivacyCatalog(ctx context.Context) (*Catalog, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	return &Catalog{Categories: privacy.Catalog(), Operational: privacy.Operational()}, nil
}

// PrivacyRecords returns the records of processing activities and the
// plain-language page, generated from the catalog. Any signed-in manager
// may read them. EUNAUTHENTICATED.
func (s *Service) PrivacyRecords(ctx context.Context) (*privacy.Documents, error) {
	if _, err := actor(ctx); err != nil {
		return nil, err
	}
	d := privacy.Generate()
	return &d, nil
}
