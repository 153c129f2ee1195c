package journal

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>

typedef int (*harden_restart_fn)(void *);
typedef int (*harden_enumerate_fn)(void *, const void **, size_t *);
typedef int (*harden_realtime_fn)(void *, uint64_t *);

static harden_restart_fn harden_restart;
static harden_enumerate_fn harden_enumerate;
static harden_realtime_fn harden_realtime;

// harden_bind finds the libsystemd go-systemd loaded (its names, in its
// order; RTLD_NOLOAD: only one already loaded), so that the handles it
// opened are used with the library that made them.
static int harden_bind(void) {
	const char *names[] = {"libsystemd-journal.so.0", "libsystemd-journal.so", "libsystemd.so.0", "libsystemd.so", 0};
	void *h = 0;
	for (int i = 0; names[i] && !h; i++)
		h = dlopen(names[i], RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		return -1;
	harden_restart = (harden_restart_fn)dlsym(h, "sd_journal_restart_data");
	harden_enumerate = (harden_enumerate_fn)dlsym(h, "sd_journal_enumerate_data");
	harden_realtime = (harden_realtime_fn)dlsym(h, "sd_journal_get_realtime_usec");
	return harden_restart && harden_enumerate && harden_realtime ? 0 : -1;
}

// harden_read_entry writes the current entry's data into buf, each as a
// native-endian uint32 length and FIELD=value, and its time into usec. It
// returns the bytes the entry needs (more than cap: nothing past cap was
// written; call again with a larger buf) or a negative errno.
static int64_t harden_read_entry(void *j, char *buf, size_t cap, uint64_t *usec) {
	int r = harden_realtime(j, usec);
	if (r < 0)
		return r;
	harden_restart(j);
	size_t n = 0;
	const void *d;
	size_t l;
	while ((r = harden_enumerate(j, &d, &l)) > 0) {
		if (l > UINT32_MAX)
			return -7; // E2BIG
		if (n + 4 + l <= cap) {
			uint32_t l32 = (uint32_t)l;
			memcpy(buf + n, &l32, 4);
			memcpy(buf + n + 4, d, l);
		}
		n += 4 + l;
	}
	if (r < 0)
		return r;
	return (int64_t)n;
}
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/coreos/go-systemd/v22/sdjournal"
	"github.com/harden-tool/harden/journal/journalfile"
)

// Reading an entry is most of what triage costs where the failures are the
// log (the load set: 1.4 million entries of 109,000 failed runs). go-systemd's
// GetEntry makes a cgo call per field, copies each, splits it, fills a map of
// every field and formats a cursor: two thirds of its time is on the Go side
// (docs/performance.md). entryReader asks libsystemd for the same data in one
// call per entry and keeps only the fields asked for, their values sharing
// one allocation. It needs the sd_journal handle go-systemd keeps unexported:
// its offset is looked up by name once, and where it is not there (another
// go-systemd) or libsystemd's functions cannot be found, GetEntry is used, as
// before. A Journal is used by one goroutine at a time here, so its lock is
// not needed.

// handleOffset is where go-systemd's Journal keeps its *C.sd_journal.
var handleOffset, handleKnown = func() (uintptr, bool) {
	f, ok := reflect.TypeFor[sdjournal.Journal]().FieldByName("cjournal")
	if !ok || f.Type.Kind() != reflect.Pointer || f.Type.Size() != unsafe.Sizeof(unsafe.Pointer(nil)) {
		return 0, false
	}
	return f.Offset, true
}()

// bound says whether libsystemd's functions were found; asked after a
// journal was opened (go-systemd loads the library then).
var bound = sync.OnceValue(func() bool { return handleKnown && C.harden_bind() == 0 })

// entryBufferMax bounds the buffer an entry is read into; a larger entry is
// read by GetEntry.
const entryBufferMax = 8 << 20

// entryReader reads entries of go-systemd journals. Not safe for
// concurrent use.
type entryReader struct {
	// keep maps the names of the fields to keep to themselves (so that
	// the entries' keys are these strings, not copies); nil: every field.
	keep  map[string]string
	buf   []byte
	spans []fieldSpan
	// fileBuf holds the fields kept of an entry read directly (readFile),
	// cache the fields met lately, missed the slots filled by this entry.
	fileBuf []byte
	cache   *fieldCache
	missed  []missedField
	entries uint64 // read by readFile
	// names interns field names when every field is kept.
	names map[string]string
}

type fieldSpan struct {
	name     string
	from, to int    // in the buffer read into; from -1: value
	value    string // a value held (readFile's cache), or the entry's
}

// leanReader keeps the fields the diagnosis reads (leanFields).
func leanReader() *entryReader {
	return &entryReader{keep: fieldSet(leanFields)}
}

// fieldSet maps each of names to itself: what is kept of an entry is
// named by these strings, not by copies of the names read.
func fieldSet(names []string) map[string]string {
	set := make(map[string]string, len(names))
	for _, f := range names {
		set[f] = f
	}
	return set
}

var errFieldFormat = errors.New("failed to parse field")

// read reads j's current entry.
func (r *entryReader) read(j *sdjournal.Journal) (Entry, error) {
	if !bound() {
		return r.slow(j)
	}
	h := *(*unsafe.Pointer)(unsafe.Add(unsafe.Pointer(j), handleOffset))
	if h == nil {
		return Entry{}, errors.New("journal is closed")
	}
	if r.buf == nil {
		r.buf = make([]byte, 64<<10)
	}
	var usec C.uint64_t
	n := C.harden_read_entry(h, (*C.char)(unsafe.Pointer(&r.buf[0])), C.size_t(len(r.buf)), &usec)
	if n > C.int64_t(len(r.buf)) {
		if n > entryBufferMax {
			return r.slow(j)
		}
		r.buf = make([]byte, int(n))
		n = C.harden_read_entry(h, (*C.char)(unsafe.Pointer(&r.buf[0])), C.size_t(len(r.buf)), &usec)
	}
	if n < 0 {
		return Entry{}, syscall.Errno(-n)
	}
	if n > C.int64_t(len(r.buf)) {
		return Entry{}, errors.New("entry changed while read")
	}
	e, err := r.fields(int(n))
	if err != nil {
		return Entry{}, err
	}
	e.Time = time.UnixMicro(int64(usec)).UTC()
	return e, nil
}

// fields parses the first n bytes of r.buf, as harden_read_entry wrote
// them: an entry with its Fields, or with only the fields kept (lean).
func (r *entryReader) fields(n int) (Entry, error) {
	r.spans = r.spans[:0]
	for i := 0; i < n; {
		if n-i < 4 {
			return Entry{}, errFieldFormat
		}
		l := int(binary.NativeEndian.Uint32(r.buf[i:]))
		from, to := i+4, i+4+l
		if to > n {
			return Entry{}, errFieldFormat
		}
		i = to
		if err := r.span(r.buf[from:to], from); err != nil {
			return Entry{}, err
		}
	}
	return r.entry(r.buf), nil
}

// span notes the field p (FIELD=value, at at in the buffer it is read
// from) if it is kept.
func (r *entryReader) span(p []byte, at int) error {
	eq := bytes.IndexByte(p, '=')
	if eq < 0 {
		return errFieldFormat
	}
	if name, ok := r.name(p[:eq]); ok {
		r.spans = append(r.spans, fieldSpan{name: name, from: at + eq + 1, to: at + len(p)})
	}
	return nil
}

// entry is the entry of the fields noted (r.spans: in buf, or a value
// held, from -1), their values in buf sharing one allocation (and noted in
// r.spans).
func (r *entryReader) entry(buf []byte) Entry {
	size := 0
	for _, s := range r.spans {
		if s.from >= 0 {
			size += s.to - s.from
		}
	}
	var b strings.Builder
	b.Grow(size)
	for _, s := range r.spans {
		if s.from >= 0 {
			b.Write(buf[s.from:s.to])
		}
	}
	all := b.String()
	at := 0
	for i, s := range r.spans {
		if s.from >= 0 {
			r.spans[i].value = all[at : at+s.to-s.from]
			at += s.to - s.from
		}
	}
	if r.keep != nil {
		kept := make([]keptField, len(r.spans))
		for i, s := range r.spans {
			kept[i] = keptField{s.name, s.value}
		}
		return Entry{kept: kept}
	}
	out := make(map[string]string, len(r.spans))
	for _, s := range r.spans {
		out[s.name] = s.value
	}
	return Entry{Fields: out}
}

// readFile reads the entry at off of a file read directly (see
// journal/journalfile), as read reads a libsystemd journal's: the fields
// kept are copied into a buffer of their own as they are met, the others
// not at all. A field's data object is shared by every entry that holds
// the same FIELD=value (a unit's name, its host, its command, PID 1's
// lines); the fields met lately are known by their objects' offsets
// (fieldCache), kept or not, their values held, so that most of an
// entry's fields are neither read nor copied again.
func (r *entryReader) readFile(f *journalfile.File, off uint64) (Entry, error) {
	h, err := f.Head(off)
	if err != nil {
		return Entry{}, err
	}
	if r.cache == nil {
		r.cache = new(fieldCache)
	}
	r.spans, r.fileBuf, r.missed = r.spans[:0], r.fileBuf[:0], r.missed[:0]
	r.entries++
	var bad error
	err = f.Items(off, func(d uint64) bool {
		c := &r.cache[d/8%uint64(len(r.cache))]
		if c.f == f && c.off == d && c.entry != r.entries {
			if c.kept {
				r.spans = append(r.spans, fieldSpan{name: c.name, from: -1, value: c.value})
			}
			return true
		}
		p, err := f.Payload(d)
		if err != nil {
			bad = err
			return false
		}
		eq := bytes.IndexByte(p, '=')
		if eq < 0 {
			bad = errFieldFormat
			return false
		}
		name, ok := r.name(p[:eq])
		*c = cachedField{f: f, off: d, name: name, kept: ok, entry: r.entries}
		if ok {
			at := len(r.fileBuf)
			r.fileBuf = append(r.fileBuf, p[eq+1:]...)
			r.spans = append(r.spans, fieldSpan{name: name, from: at, to: len(r.fileBuf)})
			r.missed = append(r.missed, missedField{c, d, len(r.spans) - 1})
		}
		return true
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		for _, m := range r.missed {
			*m.slot = cachedField{} // (their values were not kept)
		}
		return Entry{}, err
	}
	e := r.entry(r.fileBuf)
	for _, m := range r.missed {
		if m.slot.f == f && m.slot.off == m.off {
			m.slot.value = r.spans[m.span].value
		}
	}
	e.Time = time.UnixMicro(int64(h.Realtime)).UTC()
	return e, nil
}

// fieldCache is the fields of the data objects met lately, by their
// offsets (a slot each, the newest met holds it).
type fieldCache [4096]cachedField

// cachedField is the field of the data object at off of f: its name,
// whether it is kept and its value. A slot filled while an entry is read
// (entry) gets its value when the entry's are allocated, and is no answer
// before that (an object an entry names twice is read twice).
type cachedField struct {
	f           *journalfile.File
	off         uint64
	name, value string
	kept        bool
	entry       uint64
}

// missedField is a slot of the cache filled for the object at off, whose
// value is the entry's span's (unless the slot was taken again since).
type missedField struct {
	slot *cachedField
	off  uint64
	span int
}

// name is the key for a field named n, and whether it is kept.
func (r *entryReader) name(n []byte) (string, bool) {
	if r.keep != nil {
		k, ok := r.keep[string(n)]
		return k, ok
	}
	if k, ok := r.names[string(n)]; ok {
		return k, true
	}
	k := string(n)
	if r.names == nil {
		r.names = map[string]string{}
	}
	if len(r.names) < 4096 { // a hostile journal's names are not all held
		r.names[k] = k
	}
	return k, true
}

// slow reads with go-systemd's GetEntry.
func (r *entryReader) slow(j *sdjournal.Journal) (Entry, error) {
	je, err := j.GetEntry()
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Fields: je.Fields, Time: time.UnixMicro(int64(je.RealtimeTimestamp)).UTC()}
	if r.keep != nil {
		for k := range e.Fields {
			if _, ok := r.keep[k]; !ok {
				delete(e.Fields, k)
			}
		}
	}
	return e, nil
}
