package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadJSON reads journalctl -o json (one object per line; also accepts
// json-seq's RS prefix). A value is a string, an array of byte values for
// binary data, null for data journalctl left out, or an array of those when
// a field occurs several times (the last value wins here). Lines that do
// not parse are skipped and counted in one Warning.
func ReadJSON(r io.Reader, name string, keep func(*Entry) bool) ([]Entry, []Warning) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		out       []Entry
		bad, long int
		lineNo    int
		firstAt   int
		warns     []Warning
	)
	for {
		raw, over, err := readLine(br, maxJSONLine)
		if err != nil && raw == "" && !over {
			if !errors.Is(err, io.EOF) {
				warns = append(warns, Warning{Source: name, Text: "stopped reading: " + err.Error(), Incomplete: true})
			}
			break
		}
		lineNo++
		if over {
			// One entry longer than any that journalctl writes for a
			// sane journal: skipped, counted, and the read goes on.
			long++
			continue
		}
		line := strings.TrimLeft(raw, "\x1e \t")
		if line == "" {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			if bad == 0 {
				firstAt = lineNo
			}
			bad++
			continue
		}
		fields := make(map[string]string, len(obj))
		for k, v := range obj {
			if s, ok := jsonValue(v); ok {
				if len(s) > maxFieldKeep {
					s = s[:maxFieldKeep]
				}
				fields[k] = s
			}
		}
		e := Entry{Fields: fields, Time: realtime(fields["__REALTIME_TIMESTAMP"])}
		if keep == nil || keep(&e) {
			out = append(out, e)
		}
	}
	if bad > 0 {
		warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("skipped %d line(s) that are not JSON objects (first at line %d)", bad, firstAt), Incomplete: true})
	}
	if long > 0 {
		warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("skipped %d entr(y/ies) longer than %d MiB", long, maxJSONLine>>20), Incomplete: true})
	}
	return out, warns
}

// maxJSONLine bounds one JSON entry; a longer one is skipped. (A variable
// so that the fuzzer can lower it.)
var maxJSONLine = 16 << 20

func jsonValue(v json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, true
	}
	var b []byte
	var nums []int
	if json.Unmarshal(v, &nums) == nil {
		for _, n := range nums {
			b = append(b, byte(n))
		}
		return string(b), true
	}
	var many []json.RawMessage
	if json.Unmarshal(v, &many) == nil && len(many) > 0 {
		return jsonValue(many[len(many)-1])
	}
	return "", false
}

// ReadJSONFile is ReadJSON on a file.
func ReadJSONFile(path string, keep func(*Entry) bool) ([]Entry, []Warning, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	es, ws := ReadJSON(f, path, keep)
	return es, ws, nil
}
