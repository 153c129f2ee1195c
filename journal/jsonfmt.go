package journal

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadJSON reads journalctl -o json (one object per line; also accepts
// json-seq's RS prefix). A value is a string, an array of byte values for
// binary data, null for data journalctl left out, or an array of those when
// a field occurs several times (the last value wins here). Lines that do
// not parse are skipped and counted in one Warning.
func ReadJSON(r io.Reader, name string, keep func(*Entry) bool) ([]Entry, []Warning) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxFieldSize)
	var (
		out     []Entry
		bad     int
		lineNo  int
		firstAt int
	)
	for sc.Scan() {
		lineNo++
		line := strings.TrimLeft(sc.Text(), "\x1e \t")
		if line == "" {
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			if bad == 0 {
				firstAt = lineNo
			}
			bad++
			continue
		}
		fields := make(map[string]string, len(raw))
		for k, v := range raw {
			if s, ok := jsonValue(v); ok {
				fields[k] = s
			}
		}
		e := Entry{Fields: fields, Time: realtime(fields["__REALTIME_TIMESTAMP"])}
		if keep == nil || keep(&e) {
			out = append(out, e)
		}
	}
	var warns []Warning
	if bad > 0 {
		warns = append(warns, Warning{name, fmt.Sprintf("skipped %d line(s) that are not JSON objects (first at line %d)", bad, firstAt)})
	}
	if err := sc.Err(); err != nil {
		warns = append(warns, Warning{name, "stopped reading: " + err.Error()})
	}
	return out, warns
}

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
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	es, ws := ReadJSON(f, path, keep)
	return es, ws, nil
}
