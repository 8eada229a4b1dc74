package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/stewardmdm/steward"
)

// MaxJSONBody is the largest JSON request body accepted (1 MiB).
const MaxJSONBody = 1 << 20

// DecodeJSON reads a JSON object into v, strictly: a body over max bytes is
// ETOOLARGE; malformed JSON, unknown fields, wrong types and trailing data
// are EINVALID naming the field where possible. Nothing is written before
// decoding succeeds, so a bad request changes nothing.
func DecodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return steward.Errorf(steward.EINVALID, "Send the body as application/json.")
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, max)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil {
			if e := decodeError(err, max); steward.ErrorCode(e) == steward.ETOOLARGE {
				return e
			}
		}
		return steward.Errorf(steward.EINVALID, "The body must hold a single JSON object.")
	}
	return nil
}

func decodeError(err error, max int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return steward.Errorf(steward.ETOOLARGE, "The body is larger than %d bytes.", max)
	case errors.Is(err, io.EOF):
		return steward.Errorf(steward.EINVALID, "The body is empty; send a JSON object.")
	case errors.As(err, &syn):
		return steward.Errorf(steward.EINVALID, "Malformed JSON at byte %d.", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return steward.Errorf(steward.EINVALID, "Malformed JSON: the body ends too early.")
	case errors.As(err, &typ):
		field := typ.Field
		return &steward.Error{Code: steward.EINVALID, Field: field,
			Message: fmt.Sprintf("The field %q must be %s, not %s.", field, jsonKind(typ.Type.Kind().String()), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &steward.Error{Code: steward.EINVALID, Field: field, Message: fmt.Sprintf("Unknown field %q.", field)}
	}
	return steward.Errorf(steward.EINVALID, "The body is not valid JSON for this request.")
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "bool":
		return "true or false"
	case k == "string":
		return "a string"
	case k == "slice":
		return "an array"
	}
	return "an object"
}
