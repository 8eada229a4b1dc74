package protocol

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxDepth is how deeply objects and arrays may nest in a request body.
// Protocol v1 needs 4 levels; the rest is room for fields added later.
const MaxDepth = 32

// A shape is what a message type expects at one place in the JSON tree,
// built once from the Go type so that the scanner checks exactly what
// encoding/json would fill.
type shape struct {
	kind   kind
	fields map[string]field  // kindObject: JSON name → field
	folded map[string]string // kindObject: foldName(JSON name) → JSON name
	elem   *shape            // kindArray
	bits   int               // kindInt
}

// field is a field of an object shape.
type field struct {
	name  string
	shape *shape
}

type kind uint8

const (
	kindAny kind = iota // not a field of the message: ignored whatever it holds
	kindObject
	kindArray
	kindString
	kindInt
	kindBool
	kindFloat // a float64: any JSON number in range
	kindTime  // a time.Time: a string in RFC 3339 form
)

var anyShape = &shape{kind: kindAny}

// shapeOf builds the shape of a Go type. It panics on a type the protocol
// does not use, so a new field type cannot slip past the scanner.
func shapeOf(t reflect.Type) *shape {
	if t == reflect.TypeFor[json.RawMessage]() {
		return anyShape
	}
	if t == reflect.TypeFor[time.Time]() {
		return &shape{kind: kindTime}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return shapeOf(t.Elem())
	case reflect.String:
		return &shape{kind: kindString}
	case reflect.Bool:
		return &shape{kind: kindBool}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return &shape{kind: kindInt, bits: t.Bits()}
	case reflect.Float64:
		return &shape{kind: kindFloat}
	case reflect.Slice:
		return &shape{kind: kindArray, elem: shapeOf(t.Elem())}
	case reflect.Struct:
		s := &shape{kind: kindObject, fields: map[string]field{}, folded: map[string]string{}}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				panic(fmt.Sprintf("protocol: field %s.%s needs a JSON name", t.Name(), f.Name))
			}
			s.fields[name] = field{name, shapeOf(f.Type)}
			s.folded[foldName(name)] = name
		}
		return s
	}
	panic(fmt.Sprintf("protocol: no shape for %s", t))
}

// foldName folds a key as encoding/json does when it matches keys to
// fields: two keys match a field alike exactly when their folds are equal.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range s {
		for {
			f := unicode.SimpleFold(r)
			if f <= r {
				r = f
				break
			}
			r = f
		}
		b.WriteRune(r)
	}
	return b.String()
}

// scan checks data, a whole body of valid UTF-8, against the message shape
// root: one JSON object, nothing after it but white space, no key twice
// in an object, no key that encoding/json would match to a field without
// being its exact name, no nesting deeper than MaxDepth, and the JSON type
// of every field the message knows (integers written as integers, in
// range). Keys the message does not know are skipped whatever they hold,
// so later agents may add fields. The error names the field by its path,
// such as "apps.full[2].package". Once scan accepts data, json.Unmarshal
// fills the message from it without error.
func scan(data []byte, root *shape) *InputError {
	s := &scanner{data: data}
	s.ws()
	if s.pos == len(s.data) {
		return &InputError{Message: "The body is empty; send a JSON object."}
	}
	if t := typeAt(s.data[s.pos]); t != jsonObject {
		if t == jsonInvalid {
			return s.syntax("a JSON object")
		}
		return &InputError{Message: fmt.Sprintf("The body must be a JSON object, not %s.", t)}
	}
	if ie := s.object(root, 1); ie != nil {
		return ie
	}
	s.ws()
	if s.pos < len(s.data) {
		return &InputError{Message: fmt.Sprintf(
			"The body must hold exactly one JSON object; more follows at byte %d.", s.pos)}
	}
	return nil
}

// scanner reads a JSON document by recursive descent, which MaxDepth
// bounds. keys holds the keys of the open objects, each object's after
// the ones of the objects around it; steps is the path to where it reads.
type scanner struct {
	data  []byte
	pos   int
	keys  []string
	steps []step // the path to the value being read
}

// step is one step of the path from the body to a value: a key, or an
// index when isIndex is set.
type step struct {
	key     string
	index   int
	isIndex bool
}

// path renders the path of the value the scanner is in, such as
// "apps.full[2].package"; "" is the body itself.
func (s *scanner) path() string {
	var b strings.Builder
	for _, st := range s.steps {
		if st.isIndex {
			fmt.Fprintf(&b, "[%d]", st.index)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(st.key)
	}
	return b.String()
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// syntax reports malformed JSON at the current position, expecting want.
func (s *scanner) syntax(want string) *InputError {
	if s.pos >= len(s.data) {
		return &InputError{Message: "The body ends before its JSON object does."}
	}
	return &InputError{Message: fmt.Sprintf("Malformed JSON at byte %d: expected %s, found %s.",
		s.pos, want, quote(string(s.data[s.pos:s.pos+utf8Len(s.data[s.pos])])))}
}

// utf8Len is the length of the character starting with byte c.
func utf8Len(c byte) int {
	switch {
	case c < 0xC0:
		return 1
	case c < 0xE0:
		return 2
	case c < 0xF0:
		return 3
	}
	return 4
}

// jsonType is the type of a JSON value, told by its first byte.
type jsonType uint8

const (
	jsonInvalid jsonType = iota
	jsonObject
	jsonArray
	jsonString
	jsonBool
	jsonNumber
	jsonNull
)

func typeAt(c byte) jsonType {
	switch {
	case c == '{':
		return jsonObject
	case c == '[':
		return jsonArray
	case c == '"':
		return jsonString
	case c == 't' || c == 'f':
		return jsonBool
	case c == '-' || '0' <= c && c <= '9':
		return jsonNumber
	case c == 'n':
		return jsonNull
	}
	return jsonInvalid
}

func (t jsonType) String() string {
	return [...]string{"nothing", "an object", "an array", "a string", "true or false", "a number", "null"}[t]
}

// fits reports whether a value of type t can fill a field of kind k. null
// fits every field: it leaves the field unset.
func (k kind) fits(t jsonType) bool {
	switch k {
	case kindObject:
		return t == jsonObject || t == jsonNull
	case kindArray:
		return t == jsonArray || t == jsonNull
	case kindString:
		return t == jsonString || t == jsonNull
	case kindInt, kindFloat:
		return t == jsonNumber || t == jsonNull
	case kindTime:
		return t == jsonString || t == jsonNull
	case kindBool:
		return t == jsonBool || t == jsonNull
	}
	return true
}

// value reads one value that should fit want; depth is the depth of the
// object or array around it.
func (s *scanner) value(want *shape, depth int) *InputError {
	s.ws()
	if s.pos == len(s.data) {
		return s.syntax("a value")
	}
	c := s.data[s.pos]
	t := typeAt(c)
	if t == jsonInvalid {
		return s.syntax("a value")
	}
	if !want.kind.fits(t) {
		return &InputError{Field: s.path(), Message: fmt.Sprintf("%s must be %s, not %s.",
			s.path(), kindName(want.kind), t)}
	}
	switch c {
	case '{':
		return s.object(want, depth+1)
	case '[':
		return s.array(want, depth+1)
	case '"':
		start := s.pos
		_, ie := s.str()
		if ie != nil || want.kind != kindTime {
			return ie
		}
		// Exactly what encoding/json will accept: the time's own decoder.
		var tm time.Time
		if err := tm.UnmarshalJSON(s.data[start:s.pos]); err != nil {
			return &InputError{Field: s.path(), Message: fmt.Sprintf(
				"%s must be a time in RFC 3339 form, such as \"2026-03-02T09:30:00Z\", not %s.", s.path(), quote(string(s.data[start+1:s.pos-1])))}
		}
		return nil
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	start := s.pos
	integer, ie := s.number()
	if ie == nil && want.kind == kindFloat {
		lit := string(s.data[start:s.pos])
		if _, err := strconv.ParseFloat(lit, 64); err != nil {
			return &InputError{Field: s.path(), Message: fmt.Sprintf("%s is out of range: %s.", s.path(), quote(lit))}
		}
		return nil
	}
	if ie != nil || want.kind != kindInt {
		return ie
	}
	lit := string(s.data[start:s.pos])
	if !integer {
		return &InputError{Field: s.path(), Message: fmt.Sprintf(
			"%s must be a whole number written without a fraction or exponent, not %s.", s.path(), quote(lit))}
	}
	if _, err := strconv.ParseInt(lit, 10, want.bits); err != nil {
		return &InputError{Field: s.path(), Message: fmt.Sprintf("%s is out of range: %s.", s.path(), quote(lit))}
	}
	return nil
}

func (s *scanner) tooDeep(depth int) *InputError {
	if depth <= MaxDepth {
		return nil
	}
	return &InputError{Field: s.path(), Message: fmt.Sprintf(
		"The body nests objects and arrays more than %d deep.", MaxDepth)}
}

func (s *scanner) object(sh *shape, depth int) *InputError {
	if ie := s.tooDeep(depth); ie != nil {
		return ie
	}
	s.pos++ // {
	mark := len(s.keys)
	defer func() { s.keys = s.keys[:mark] }()
	var seen map[string]struct{} // once the object has many keys
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		s.ws()
		if s.pos == len(s.data) || s.data[s.pos] != '"' {
			return s.syntax("a key in quotes")
		}
		key, ie := s.key(sh)
		if ie != nil {
			return ie
		}
		dup := false
		if seen != nil {
			_, dup = seen[key]
			seen[key] = struct{}{}
		} else {
			dup = slices.Contains(s.keys[mark:], key)
			s.keys = append(s.keys, key)
			if len(s.keys)-mark > fewKeys {
				seen = make(map[string]struct{}, 4*fewKeys)
				for _, k := range s.keys[mark:] {
					seen[k] = struct{}{}
				}
			}
		}
		if dup {
			where := s.path()
			if where == "" {
				where = "the body"
			}
			return &InputError{Field: joinPath(s.path(), key), Message: fmt.Sprintf(
				"The key %s appears twice in %s; send each key once.", quote(key), where)}
		}
		child := anyShape
		if sh.kind == kindObject {
			if f, ok := sh.fields[key]; ok {
				child = f.shape
			} else if name, ok := sh.folded[foldName(key)]; ok {
				return &InputError{Field: joinPath(s.path(), name), Message: fmt.Sprintf(
					"The key %s must be written %q: keys are case-sensitive.", quote(key), name)}
			}
		}
		s.ws()
		if s.pos == len(s.data) || s.data[s.pos] != ':' {
			return s.syntax("':' after the key")
		}
		s.pos++
		s.steps = append(s.steps, step{key: key})
		if ie := s.value(child, depth); ie != nil {
			return ie
		}
		s.steps = s.steps[:len(s.steps)-1]
		s.ws()
		if s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',':
				s.pos++
				continue
			case '}':
				s.pos++
				return nil
			}
		}
		return s.syntax("',' or '}'")
	}
}

const fewKeys = 16

// key reads an object's key. A key the shape knows comes back as the
// shape's own string, so known keys cost no allocation.
func (s *scanner) key(sh *shape) (string, *InputError) {
	start := s.pos
	escaped, ie := s.str()
	if ie != nil {
		return "", ie
	}
	raw := s.data[start+1 : s.pos-1]
	if !escaped {
		if f, ok := sh.fields[string(raw)]; ok {
			return f.name, nil
		}
		return string(raw), nil
	}
	var key string
	if err := json.Unmarshal(s.data[start:s.pos], &key); err != nil {
		return "", &InputError{Message: unreadable} // str accepted it: cannot happen
	}
	return key, nil
}

func (s *scanner) array(sh *shape, depth int) *InputError {
	if ie := s.tooDeep(depth); ie != nil {
		return ie
	}
	s.pos++ // [
	elem := anyShape
	if sh.kind == kindArray {
		elem = sh.elem
	}
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for i := 0; ; i++ {
		s.steps = append(s.steps, step{index: i, isIndex: true})
		if ie := s.value(elem, depth); ie != nil {
			return ie
		}
		s.steps = s.steps[:len(s.steps)-1]
		s.ws()
		if s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',':
				s.pos++
				continue
			case ']':
				s.pos++
				return nil
			}
		}
		return s.syntax("',' or ']'")
	}
}

// str reads a string, checking its escapes; it reports whether it has
// any. The body is valid UTF-8 already.
func (s *scanner) str() (escaped bool, ie *InputError) {
	s.pos++ // "
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; {
		case c == '"':
			s.pos++
			return escaped, nil
		case c == '\\':
			escaped = true
			s.pos++
			if s.pos == len(s.data) {
				return false, s.syntax("an escape")
			}
			switch s.data[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				s.pos++
				for range 4 {
					if s.pos == len(s.data) || !isHex(s.data[s.pos]) {
						return false, s.syntax("four hexadecimal digits after \\u")
					}
					s.pos++
				}
			default:
				return false, s.syntax("an escape (one of \" \\ / b f n r t u)")
			}
		case c < ' ':
			return false, s.syntax(`a character or escape (control characters are written escaped, such as \n)`)
		default:
			s.pos++
		}
	}
	return false, s.syntax(`the closing '"'`)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number reads a number and reports whether it is written as an integer.
func (s *scanner) number() (integer bool, ie *InputError) {
	digits := func() int {
		n := 0
		for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	if s.data[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(s.data) && s.data[s.pos] == '0':
		s.pos++
	case digits() == 0:
		return false, s.syntax("a digit")
	}
	integer = true
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		integer = false
		s.pos++
		if digits() == 0 {
			return false, s.syntax("a digit after '.'")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		integer = false
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			return false, s.syntax("a digit in the exponent")
		}
	}
	return integer, nil
}

func (s *scanner) literal(word string) *InputError {
	for i := range len(word) {
		if s.pos == len(s.data) || s.data[s.pos] != word[i] {
			return s.syntax(strconv.Quote(word))
		}
		s.pos++
	}
	return nil
}

func kindName(k kind) string {
	switch k {
	case kindObject:
		return "an object"
	case kindArray:
		return "an array"
	case kindString:
		return "a string"
	case kindInt:
		return "a whole number"
	case kindBool:
		return "true or false"
	case kindFloat:
		return "a number"
	case kindTime:
		return "a time in RFC 3339 form"
	}
	return "a value"
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// fieldName names a field in a message: its path, or "The body".
func fieldName(path string) string {
	if path == "" {
		return "The body"
	}
	return path
}

// quote quotes a string taken from the request for a message, cut to a
// length that keeps messages short.
func quote(s string) string {
	const max = 40
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
