// Package openapi holds the admin API's OpenAPI 3 document, written by hand
// in YAML and served as JSON at /api/v1/openapi.json.
package openapi

import (
	_ "embed"
	"fmt"

	"sigs.k8s.io/yaml"
)

//go:embed openapi.yaml
var source []byte

// JSON returns the document as JSON.
func JSON() ([]byte, error) {
	b, err := yaml.YAMLToJSON(source)
	if err != nil {
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	return b, nil
}
