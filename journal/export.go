package journal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxFieldSize bounds one binary field of the export format, so a corrupt
// length cannot make the reader allocate gigabytes.
const maxFieldSize = 16 << 20

// ReadExport reads the journal export format (journalctl -o export):
// entries are separated by an empty line; a field is either NAME=value on
// one line, or, for binary-safe values, NAME, a newline, a little-endian
// 64-bit length, the bytes and a newline. Entries for which keep returns
// false are dropped as they are read. A damaged stream stops the read at
// the damage with a Warning; the entries before it are returned.
func ReadExport(r io.Reader, name string, keep func(*Entry) bool) ([]Entry, []Warning) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		out   []Entry
		warns []Warning
		cur   = map[string]string{}
		n     int
	)
	flush := func() {
		if len(cur) == 0 {
			return
		}
		e := Entry{Fields: cur, Time: realtime(cur["__REALTIME_TIMESTAMP"])}
		if keep == nil || keep(&e) {
			out = append(out, e)
		}
		cur = map[string]string{}
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil && line == "" {
			if !errors.Is(err, io.EOF) {
				warns = append(warns, Warning{name, "read error: " + err.Error()})
			}
			break
		}
		n++
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			flush()
			continue
		}
		if i := strings.IndexByte(line, '='); i > 0 {
			cur[line[:i]] = line[i+1:]
			continue
		}
		// Binary-safe field: the line is the field name alone.
		var size uint64
		if err := binary.Read(br, binary.LittleEndian, &size); err != nil {
			warns = append(warns, Warning{name, fmt.Sprintf("truncated binary field %q after line %d", clip(line), n)})
			break
		}
		if size > maxFieldSize {
			warns = append(warns, Warning{name, fmt.Sprintf("field %q claims %d bytes: corrupt stream, stopped reading", clip(line), size)})
			break
		}
		buf := make([]byte, size+1)
		if _, err := io.ReadFull(br, buf); err != nil || buf[size] != '\n' {
			warns = append(warns, Warning{name, fmt.Sprintf("truncated binary field %q", clip(line))})
			break
		}
		cur[line] = string(buf[:size])
	}
	flush()
	return out, warns
}

// ReadExportFile is ReadExport on a file.
func ReadExportFile(path string, keep func(*Entry) bool) ([]Entry, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	es, ws := ReadExport(f, path, keep)
	return es, ws, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
