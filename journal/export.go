package journal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"syscall"
)

// maxFieldKeep is how much of one field value the export and JSON readers
// keep; no rule reads further into a message. journald accepts fields up to
// 768 MiB and a service can send one, so a long field is not damage: the
// rest is skipped by its known length and the read goes on, and memory does
// not depend on the input. (A variable so that the fuzzer can lower it and
// reach the cutting and skipping paths with small inputs.)
var maxFieldKeep = 64 << 10

const (
	// maxEntryFields is journald's own limit of fields in one entry
	// (ENTRY_FIELD_COUNT_MAX).
	maxEntryFields = 1024
	// maxFieldName is journald's limit of a field name's length.
	maxFieldName = 64
)

// ReadExport reads the journal export format (journalctl -o export):
// entries are separated by an empty line; a field is either NAME=value on
// one line, or, for binary-safe values, NAME, a newline, a little-endian
// 64-bit length, the bytes and a newline. Entries for which keep returns
// false are dropped as they are read. Over-long values are cut (and
// counted in one Warning); damage stops the read with an Incomplete
// Warning, and the entries before it are returned. Memory does not grow
// with the size of a field or of the stream, only with what keep keeps.
func ReadExport(r io.Reader, name string, keep func(*Entry) bool) ([]Entry, []Warning) {
	return readExport(r, name, nil, keep)
}

// readExport is ReadExport keeping, when only is set, only the fields it
// names, each as its value in only (see fieldSet), in a lean entry (see
// Entry.kept): the others are skipped as they are read, never copied.
// Triage reads a 1.2 GB export whole, twice; as maps of all of each
// entry's fields that was 58 MB/s, most of it allocating and collecting
// the copies of fields no rule reads.
func readExport(r io.Reader, name string, only map[string]string, keep func(*Entry) bool) ([]Entry, []Warning) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		out         []Entry
		warns       []Warning
		cur         = map[string]string{}
		kept        []keptField // (only)
		stamp       string      // __REALTIME_TIMESTAMP (only)
		fields      int         // read of the entry (only)
		n           int
		cut, excess int // values cut to maxFieldKeep; fields over maxEntryFields
	)
	flush := func() {
		if only != nil {
			if fields == 0 {
				return
			}
			e := Entry{Time: realtime(stamp), kept: kept}
			if keep == nil || keep(&e) {
				out = append(out, e)
			}
			kept, stamp, fields = make([]keptField, 0, len(kept)), "", 0
			return
		}
		if len(cur) == 0 {
			return
		}
		e := Entry{Fields: cur, Time: realtime(cur["__REALTIME_TIMESTAMP"])}
		if keep == nil || keep(&e) {
			out = append(out, e)
		}
		// Sized as the last entry was: grown field by field, the maps'
		// rehashing was a tenth of reading a large export.
		cur = make(map[string]string, len(e.Fields))
	}
	keepLean := func(name, v string) {
		if len(kept) >= maxEntryFields {
			excess++
			return
		}
		kept = append(kept, keptField{name, v})
	}
	set := func(k, v string) {
		if only != nil {
			fields++
			switch name, ok := only[k]; {
			case k == "__REALTIME_TIMESTAMP":
				stamp = v
			case ok:
				keepLean(name, v)
			}
			return
		}
		if _, ok := cur[k]; !ok && len(cur) >= maxEntryFields {
			excess++
			return
		}
		cur[k] = v
	}
read:
	for {
		head, _ := br.Peek(maxFieldName + 1)
		end := nameEnd(head)
		if len(head) > maxFieldName && end < 0 {
			// No field name is this long: not an export stream (a file
			// of zeros, say). Stop before reading the rest of the line.
			warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("line %d is not a journal field: not an export stream or a damaged one, stopped reading", n+1), Incomplete: true})
			break
		}
		if only != nil && end > 0 {
			// One lookup of the name tells a field to skip from one to
			// keep; a field kept, or of a name not well formed, is read
			// below as any other.
			field, wanted := only[string(head[:end])]
			switch {
			case wanted && head[end] == '=':
				line, long, _ := readLine(br, maxFieldKeep) // (it holds the name peeked, at least)
				n++
				fields++
				if long {
					cut++
				}
				if len(line) > end {
					keepLean(field, line[end+1:])
				}
				continue
			case !wanted && string(head[:end]) != "__REALTIME_TIMESTAMP" && validFieldName(string(head[:end])):
				n++
				if err := skipField(br, head[:end], head); err != nil {
					warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("field after line %d: %v", n, err), Incomplete: true})
					break read
				}
				fields++
				continue
			}
		}
		line, long, err := readLine(br, maxFieldKeep)
		if err != nil && line == "" && !long {
			if !errors.Is(err, io.EOF) {
				warns = append(warns, Warning{Source: name, Text: "read error: " + err.Error(), Incomplete: true})
			}
			break
		}
		n++
		if line == "" && !long {
			flush()
			continue
		}
		if i := strings.IndexByte(line, '='); i > 0 && i <= maxFieldName && validFieldName(line[:i]) {
			if long {
				cut++
			}
			set(line[:i], line[i+1:])
			continue
		}
		// Binary-safe field: the line is the field name alone.
		if long || !validFieldName(line) {
			warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("line %d is not a journal field: not an export stream or a damaged one, stopped reading", n), Incomplete: true})
			break
		}
		var size uint64
		if err := binary.Read(br, binary.LittleEndian, &size); err != nil {
			warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("truncated binary field %q after line %d", clip(line), n), Incomplete: true})
			break
		}
		keepN := size
		if keepN > uint64(maxFieldKeep) {
			keepN = uint64(maxFieldKeep)
		}
		buf := make([]byte, keepN)
		if _, err := io.ReadFull(br, buf); err != nil {
			warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("truncated binary field %q", clip(line)), Incomplete: true})
			break
		}
		if rest := int64(size - keepN); rest > 0 {
			if skipped, err := io.CopyN(io.Discard, br, rest); err != nil || skipped != rest {
				warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("truncated binary field %q (%d bytes announced)", clip(line), size), Incomplete: true})
				break
			}
			cut++
		}
		if nl, err := br.ReadByte(); err != nil || nl != '\n' {
			warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("binary field %q does not end where its length says: corrupt stream, stopped reading", clip(line)), Incomplete: true})
			break
		}
		set(line, string(buf))
	}
	flush()
	if cut > 0 {
		warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("%d field value(s) longer than %d KiB were cut to that length", cut, maxFieldKeep>>10)})
	}
	if excess > 0 {
		warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("%d field(s) beyond journald's %d per entry were skipped", excess, maxEntryFields)})
	}
	return out, warns
}

// skipField reads past the field at the head of br, named name (head is
// what br holds of it), without copying it: a NAME=value line, or a
// binary-safe field (NAME, newline, length, bytes, newline). The error
// says where it was cut short.
func skipField(br *bufio.Reader, name, head []byte) error {
	if head[len(name)] == '=' {
		return discardLine(br)
	}
	field := clip(string(name)) // (name is br's buffer, refilled below)
	br.Discard(len(name) + 1)
	var size uint64
	if err := binary.Read(br, binary.LittleEndian, &size); err != nil {
		return fmt.Errorf("truncated binary field %q", field)
	}
	if size > math.MaxInt64-1 {
		return fmt.Errorf("binary field %q announces %d bytes: corrupt stream, stopped reading", field, size)
	}
	if skipped, err := io.CopyN(io.Discard, br, int64(size)); err != nil || skipped != int64(size) {
		return fmt.Errorf("truncated binary field %q (%d bytes announced)", field, size)
	}
	if nl, err := br.ReadByte(); err != nil || nl != '\n' {
		return fmt.Errorf("binary field %q does not end where its length says: corrupt stream, stopped reading", field)
	}
	return nil
}

// nameEnd is where the field name at the head of a line ends: the index
// of its first '=' or newline, or -1. (bytes.IndexAny builds its set at
// each call: a tenth of reading an export.)
func nameEnd(head []byte) int {
	for i, c := range head {
		if c == '=' || c == '\n' {
			return i
		}
	}
	return -1
}

// discardLine reads past the next newline (or to the end).
func discardLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		switch {
		case err == nil, errors.Is(err, io.EOF):
			return nil
		case !errors.Is(err, bufio.ErrBufferFull):
			return err
		}
	}
}

// readLine reads one line without its newline, keeping at most max bytes
// of it: long reports that the rest was skipped. Memory stays bounded
// whatever the line's length.
func readLine(br *bufio.Reader, max int) (line string, long bool, err error) {
	var b []byte
	for {
		frag, err := br.ReadSlice('\n')
		if b == nil && err == nil && len(frag) <= max {
			return string(frag[:len(frag)-1]), false, nil // (the line whole: one copy)
		}
		if room := max - len(b); room > 0 {
			if len(frag) > room {
				b = append(b, frag[:room]...)
				long = true
			} else {
				b = append(b, frag...)
			}
		} else if len(frag) > 0 {
			long = true
		}
		switch {
		case err == nil:
			return strings.TrimSuffix(string(b), "\n"), long, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return string(b), long, err
		}
	}
}

// validFieldName: journald's field names are upper-case letters, digits
// and underscores, not starting with a digit.
func validFieldName(s string) bool {
	if s == "" || len(s) > maxFieldName || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ReadExportFile is ReadExport on a file.
func ReadExportFile(path string, keep func(*Entry) bool) ([]Entry, []Warning, error) {
	f, err := openRegular(path)
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

// openRegular opens a file for reading only if it is a regular file: a
// FIFO would block the reader forever and a device (/dev/zero) never
// ends. It is opened non-blocking, checked, then used as usual.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() && path != os.DevNull { // /dev/null: an empty source, as an operator means it
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s): refusing to read it", path, fileKind(st.Mode()))
	}
	return f, nil
}

// maxSmallFile bounds the files of a bundle that are read whole
// (systemctl show and cat output, host.txt, unit files): a few KiB each in
// practice.
const maxSmallFile = 16 << 20

// ReadSmallFile reads a regular file of at most 16 MiB whole; a FIFO, a
// device or a larger file is refused with an error that says so.
func ReadSmallFile(path string) ([]byte, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSmallFile+1))
	if err == nil && len(b) > maxSmallFile {
		return nil, fmt.Errorf("%s is larger than %d MiB: not a unit's configuration", path, maxSmallFile>>20)
	}
	return b, err
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0, m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a folder"
	}
	return "not a file"
}
