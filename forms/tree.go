package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a definition, at a JSON path such as
// "$.fields[2].options[0].value".
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// DefinitionError lists what is wrong with a definition. Parse and Check
// return it wrapped in a kerr error of kind Invalid and code
// "form_definition_invalid".
type DefinitionError struct {
	Problems []Problem
}

func (e *DefinitionError) Error() string {
	parts := make([]string, 0, len(e.Problems))
	for i, p := range e.Problems {
		if i == 20 {
			parts = append(parts, fmt.Sprintf("… and %d more", len(e.Problems)-i))
			break
		}
		parts = append(parts, p.String())
	}
	return strings.Join(parts, "; ")
}

// treeLimits bound the generic JSON read by readTree.
type treeLimits struct {
	maxDepth  int
	maxValues int
}

// errTooManyValues, errTooDeep and errDuplicateKey are returned by readTree.
var (
	errTooManyValues = errors.New("too many JSON values")
	errTooDeep       = errors.New("JSON nested too deeply")
	errDuplicateKey  = errors.New("duplicate key")
)

// treeError is a structural problem met by readTree, at a path.
type treeError struct {
	path string
	err  error
}

func (e *treeError) Error() string { return e.path + ": " + e.err.Error() }
func (e *treeError) Unwrap() error { return e.err }

// readTree decodes exactly one JSON value from data into map[string]any,
// []any, string, json.Number, bool or nil, refusing duplicate object keys,
// invalid UTF-8, trailing data, and more values or depth than lim allows.
// It returns the number of values read.
func readTree(data []byte, lim treeLimits) (any, int, error) {
	if !validUTF8(data) {
		return nil, 0, &treeError{path: "$", err: errors.New("the JSON is not valid UTF-8")}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	count := 0
	v, err := readValue(dec, "$", 0, lim, &count)
	if err != nil {
		return nil, count, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, count, &treeError{path: "$", err: errors.New("unexpected data after the JSON value")}
	}
	return v, count, nil
}

func readValue(dec *json.Decoder, path string, depth int, lim treeLimits, count *int) (any, error) {
	*count++
	if lim.maxValues > 0 && *count > lim.maxValues {
		return nil, &treeError{path: path, err: errTooManyValues}
	}
	if depth > lim.maxDepth {
		return nil, &treeError{path: path, err: errTooDeep}
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &treeError{path: path, err: err}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, &treeError{path: path, err: err}
				}
				k, _ := kt.(string)
				kp := path + "." + k
				if !plainKey(k) {
					kp = path + "[" + strconv.Quote(k) + "]"
				}
				if _, dup := m[k]; dup {
					return nil, &treeError{path: kp, err: errDuplicateKey}
				}
				v, err := readValue(dec, kp, depth+1, lim, count)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, &treeError{path: path, err: err}
			}
			return m, nil
		case '[':
			a := []any{}
			for i := 0; dec.More(); i++ {
				v, err := readValue(dec, path+"["+strconv.Itoa(i)+"]", depth+1, lim, count)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, &treeError{path: path, err: err}
			}
			return a, nil
		}
		return nil, &treeError{path: path, err: fmt.Errorf("unexpected %v", t)}
	default:
		return t, nil // string, json.Number, bool, nil
	}
}

// plainKey reports whether k can follow a "." in a path.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// checkKeys reports every object key in v that the JSON tags of t do not
// name, walking into nested structs, pointers and slices.
func checkKeys(v any, t reflect.Type, path string, out *[]Problem) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return // a type error; json.Unmarshal reports it
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "" || name == "-" || !sf.IsExported() {
				continue
			}
			fields[name] = sf.Type
		}
		for _, k := range sortedKeys(m) {
			kp := path + "." + k
			if !plainKey(k) {
				kp = path + "[" + strconv.Quote(k) + "]"
			}
			ft, ok := fields[k]
			if !ok {
				*out = append(*out, Problem{Path: kp, Message: "unknown key"})
				continue
			}
			checkKeys(m[k], ft, kp, out)
		}
	case reflect.Slice:
		a, ok := v.([]any)
		if !ok {
			return
		}
		for i, e := range a {
			checkKeys(e, t.Elem(), path+"["+strconv.Itoa(i)+"]", out)
		}
	}
}
