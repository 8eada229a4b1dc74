package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"unicode/utf8"
)

// InputError is a request body the server refuses. Field is the path of
// the offending field ("hardware.id", "apps.full[2].package"), empty when
// the body as a whole is at fault. Message is safe to send back to the
// device. TooLarge marks a body over its limit (answered too_large, 413);
// every other InputError is answered invalid (400).
type InputError struct {
	Field    string
	Message  string
	TooLarge bool
}

// Error implements the error interface.
func (e *InputError) Error() string {
	if e.Field == "" {
		return "protocol: " + e.Message
	}
	return fmt.Sprintf("protocol: %s: %s", e.Field, e.Message)
}

// Shapes of the request messages, checked by scan.
var (
	enrollShape  = shapeOf(reflect.TypeFor[EnrollRequest]())
	checkInShape = shapeOf(reflect.TypeFor[CheckInRequest]())
	resultShape  = shapeOf(reflect.TypeFor[CommandResult]())
)

// DecodeEnroll reads and validates an enrollment request from an untrusted
// body (see decode for the rules of the JSON itself and
// EnrollRequest.Validate for the fields). A body over MaxEnrollBody is an
// *InputError with TooLarge set; any other refusal is an *InputError
// naming the field; an error of another type is a failure to read r.
func DecodeEnroll(r io.Reader) (*EnrollRequest, error) { return decodeEnroll(r, MaxEnrollBody) }

func decodeEnroll(r io.Reader, max int64) (*EnrollRequest, error) {
	var req EnrollRequest
	if err := decode(r, max, "enrollment request", enrollShape, &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodeCheckIn reads and validates a check-in from an untrusted body, as
// DecodeEnroll does, with the limit MaxCheckInBody. Empty app lists are
// dropped: "full": [] is the same as no "full" (the wire types omit empty
// lists, so a device cannot send a full list of nothing).
func DecodeCheckIn(r io.Reader) (*CheckInRequest, error) { return decodeCheckIn(r, MaxCheckInBody) }

func decodeCheckIn(r io.Reader, max int64) (*CheckInRequest, error) {
	var req CheckInRequest
	if err := decode(r, max, "check-in", checkInShape, &req); err != nil {
		return nil, err
	}
	if a := req.Apps; a != nil {
		a.Full, a.Added, a.Removed = nilIfEmpty(a.Full), nilIfEmpty(a.Added), nilIfEmpty(a.Removed)
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodeResult reads and validates a command result from an untrusted
// body, as DecodeEnroll does, with the limit MaxResultBody. The output is
// kept, never refused: control characters other than tab, newline and
// carriage return become U+FFFD, and output longer than MaxOutput is cut
// at a character boundary and ends with "…".
func DecodeResult(r io.Reader) (*CommandResult, error) { return decodeResult(r, MaxResultBody) }

func decodeResult(r io.Reader, max int64) (*CommandResult, error) {
	var res CommandResult
	if err := decode(r, max, "command result", resultShape, &res); err != nil {
		return nil, err
	}
	res.Output = CleanOutput(res.Output)
	if err := res.Validate(); err != nil {
		return nil, err
	}
	return &res, nil
}

// decode reads one JSON object of at most max bytes from r into v. The
// JSON is strict where laxness would let two readers of one body disagree,
// and lenient where later agents need room:
//   - the body is valid UTF-8 and holds exactly one JSON object, with
//     nothing but white space after it;
//   - no key appears twice in an object, and a key matches a field only by
//     its exact name ("Protocol" is refused, not read as "protocol");
//   - fields have their JSON types; integers are written as integers and
//     fit their Go type; null leaves a field unset;
//   - objects and arrays nest at most MaxDepth deep;
//   - keys the message does not know are ignored, whatever they hold.
func decode(r io.Reader, max int64, what string, root *shape, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		var tooBig *http.MaxBytesError // the caller's own limit
		if errors.As(err, &tooBig) {
			return tooLarge(what, max)
		}
		return fmt.Errorf("read %s: %w", what, err)
	}
	if int64(len(data)) > max {
		return tooLarge(what, max)
	}
	if !utf8.Valid(data) {
		return &InputError{Message: fmt.Sprintf("The body is not valid UTF-8 (bad byte at %d).", firstInvalid(data))}
	}
	if ie := scan(data, root); ie != nil {
		return ie
	}
	if err := json.Unmarshal(data, v); err != nil {
		// scan accepts only what Unmarshal can fill; this is a safety net.
		return &InputError{Message: unreadable}
	}
	return nil
}

// unreadable is the message of the safety net in decode; the fuzz tests
// fail when they reach it.
const unreadable = "The body is not valid JSON for this request."

func tooLarge(what string, max int64) *InputError {
	return &InputError{TooLarge: true, Message: fmt.Sprintf(
		"The %s is larger than the limit of %d KiB.", what, max>>10)}
}

func firstInvalid(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

func nilIfEmpty[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return nil
	}
	return s
}
