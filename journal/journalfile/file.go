// Package journalfile reads systemd journal files directly, without
// libsystemd, for the one access pattern where libsystemd's cost decides
// triage's: the entries of one field value (a run's invocation ID), read
// whole, tens of thousands of times. Through libsystemd an entry costs
// about 8 µs (its enumeration checks and maps every object it touches, one
// cgo call per step); read here from the mapped file it costs about 1 µs
// (docs/performance.md). Everything else still goes through libsystemd.
//
// The format is systemd's (https://systemd.io/JOURNAL_FILE_FORMAT/, and
// src/libsystemd/sd-journal/journal-def.h). Only files at rest are read:
// archived or closed cleanly (a file journald is writing may change under
// the reader), with keyed hash tables (systemd ≥ 246's default) and either
// no compression or zstd (Debian's default). Open says ErrUnsupported for
// any other file, and the caller reads it with libsystemd. Every offset
// read from the file is checked against the mapping before it is used: a
// corrupt or hostile file gives an error, never a fault.
package journalfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/dchest/siphash"
	"github.com/klauspost/compress/zstd"
)

// ErrUnsupported: the file is not one this package reads (see the package
// comment); libsystemd reads it.
var ErrUnsupported = errors.New("journal file not readable directly")

// errCorrupt: an offset or size in the file points outside it or at the
// wrong kind of object.
var errCorrupt = errors.New("journal file is corrupt")

var le = binary.LittleEndian

// Header fields (offsets in the file header, journal-def.h).
const (
	hIncompatible   = 12
	hState          = 16
	hFileID         = 24
	hSeqnumID       = 72
	hHeaderSize     = 88
	hArenaSize      = 96
	hDataHashOffset = 104
	hDataHashSize   = 112
	hNObjects       = 144
	hNEntries       = 152
	hEntryArray     = 176
	hMin            = 208 // up to n_data (systemd ≥ 187); every file written since has it
)

// Incompatible flags.
const (
	incompressedXZ  = 1 << 0
	incompressedLZ4 = 1 << 1
	incKeyedHash    = 1 << 2
	incZstd         = 1 << 3
	incCompact      = 1 << 4
	incKnown        = incompressedXZ | incompressedLZ4 | incKeyedHash | incZstd | incCompact
)

// File states: only files at rest are read.
const (
	stateOffline  = 0
	stateArchived = 2
)

// Object types and flags.
const (
	objData       = 1
	objEntry      = 3
	objEntryArray = 6

	objCompressedXZ   = 1 << 0
	objCompressedLZ4  = 1 << 1
	objCompressedZstd = 1 << 2
)

// maxDecoded bounds what one compressed field may decode to (a hostile
// frame may claim gigabytes); a larger one is an error here, and
// libsystemd reads the file.
const maxDecoded = 8 << 20

// File is a journal file mapped read-only. Not safe for concurrent use.
type File struct {
	m        []byte // the mapping, cut to header + arena
	compact  bool
	k0, k1   uint64 // the hash key (the file ID)
	seqnumID [16]byte
	buf      []byte // decompressed payloads
}

// Open maps path and checks its header; ErrUnsupported (wrapped) for a
// file this package does not read.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < hMin || st.Size() > 1<<40 {
		return nil, fmt.Errorf("%s: %w (size %d)", path, ErrUnsupported, st.Size())
	}
	m, err := syscall.Mmap(int(fd.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	f, err := newFile(m)
	if err != nil {
		syscall.Munmap(m)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// newFile checks m's header.
func newFile(m []byte) (*File, error) {
	if len(m) < hMin || string(m[:8]) != "LPKSHHRH" {
		return nil, fmt.Errorf("%w: not a journal file", ErrUnsupported)
	}
	inc := le.Uint32(m[hIncompatible:])
	switch {
	case inc&^incKnown != 0:
		return nil, fmt.Errorf("%w: incompatible flags %#x", ErrUnsupported, inc)
	case inc&(incompressedXZ|incompressedLZ4) != 0:
		return nil, fmt.Errorf("%w: xz or lz4 compression", ErrUnsupported)
	case inc&incKeyedHash == 0:
		return nil, fmt.Errorf("%w: unkeyed hash tables", ErrUnsupported)
	}
	if s := m[hState]; s != stateOffline && s != stateArchived {
		return nil, fmt.Errorf("%w: being written (state %d)", ErrUnsupported, s)
	}
	hs, arena := le.Uint64(m[hHeaderSize:]), le.Uint64(m[hArenaSize:])
	if hs < hMin || hs > uint64(len(m)) || arena > uint64(len(m))-hs {
		return nil, fmt.Errorf("%w: header size %d, arena %d in %d bytes", errCorrupt, hs, arena, len(m))
	}
	f := &File{
		m:       m[:hs+arena],
		compact: inc&incCompact != 0,
		k0:      le.Uint64(m[hFileID:]),
		k1:      le.Uint64(m[hFileID+8:]),
	}
	copy(f.seqnumID[:], m[hSeqnumID:])
	return f, nil
}

// Close unmaps the file.
func (f *File) Close() error {
	if f.m == nil {
		return nil
	}
	m := f.m[:cap(f.m)]
	f.m = nil
	return syscall.Munmap(m)
}

// object is the object at off of type typ, at least min bytes long: its
// bytes (header included).
func (f *File) object(off uint64, typ byte, min uint64) ([]byte, error) {
	if off%8 != 0 || off < hMin || off > uint64(len(f.m))-16 {
		return nil, fmt.Errorf("%w: object offset %d", errCorrupt, off)
	}
	size := le.Uint64(f.m[off+8:])
	if f.m[off] != typ || size < min || size > uint64(len(f.m))-off {
		return nil, fmt.Errorf("%w: object at %d: type %d, size %d", errCorrupt, off, f.m[off], size)
	}
	return f.m[off : off+size], nil
}

// dataMin is a data object's header: hash, next in bucket, next of field,
// first entry, entry array, entry count (and in compact files the tail
// entry array and its count).
func (f *File) dataMin() uint64 {
	if f.compact {
		return 72
	}
	return 64
}

// payload is a data object's FIELD=value, decompressed whole (as
// libsystemd returns it to go-systemd, which sets no data threshold). The
// result may be overwritten by the next call.
func (f *File) payload(o []byte) ([]byte, error) {
	p := o[f.dataMin():]
	switch flags := o[1]; {
	case flags == 0:
		return p, nil
	case flags == objCompressedZstd:
		out, err := decodeZstd(p, f.buf[:0])
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errCorrupt, err)
		}
		f.buf = out
		return out, nil
	default:
		return nil, fmt.Errorf("%w: data object compressed with flags %#x", ErrUnsupported, flags)
	}
}

var zstdDecoder = sync.OnceValue(func() *zstd.Decoder {
	d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxDecoded))
	if err != nil {
		panic(err) // only for invalid options
	}
	return d
})

// decodeZstd decodes one frame into dst's storage (DecodeAll is safe for
// concurrent use).
func decodeZstd(src, dst []byte) ([]byte, error) {
	return zstdDecoder().DecodeAll(src, dst[:0])
}

// Lookup finds the data object holding payload (FIELD=value) through the
// file's data hash table: its offset, or 0 when the file has none.
func (f *File) Lookup(payload []byte) (uint64, error) {
	table, size := le.Uint64(f.m[hDataHashOffset:]), le.Uint64(f.m[hDataHashSize:])
	if size < 16 || table%8 != 0 || table > uint64(len(f.m)) || size > uint64(len(f.m))-table {
		return 0, fmt.Errorf("%w: data hash table at %d, %d bytes", errCorrupt, table, size)
	}
	h := siphash.Hash(f.k0, f.k1, payload)
	bucket := table + h%(size/16)*16
	steps := le.Uint64(f.m[hNObjects:]) + 1
	for off := le.Uint64(f.m[bucket:]); off != 0; steps-- {
		if steps == 0 {
			return 0, fmt.Errorf("%w: a hash chain loops", errCorrupt)
		}
		o, err := f.object(off, objData, f.dataMin())
		if err != nil {
			return 0, err
		}
		if le.Uint64(o[16:]) == h {
			p, err := f.payload(o)
			if err != nil {
				return 0, err
			}
			if bytes.Equal(p, payload) {
				return off, nil
			}
		}
		off = le.Uint64(o[24:])
	}
	return 0, nil
}

// EntriesOf hands the offsets of the entries holding the data object at
// data to fn, in the file's order, until fn returns false.
func (f *File) EntriesOf(data uint64, fn func(entry uint64) bool) error {
	o, err := f.object(data, objData, f.dataMin())
	if err != nil {
		return err
	}
	first, array, n := le.Uint64(o[40:]), le.Uint64(o[48:]), le.Uint64(o[56:])
	if n == 0 || first == 0 {
		return nil
	}
	if !fn(first) {
		return nil
	}
	return f.walkArrays(array, n-1, fn)
}

// Entries hands the offsets of all the file's entries to fn, in the
// file's order, until fn returns false.
func (f *File) Entries(fn func(entry uint64) bool) error {
	return f.walkArrays(le.Uint64(f.m[hEntryArray:]), le.Uint64(f.m[hNEntries:]), fn)
}

// walkArrays hands fn the first n entry offsets of the chain of entry
// arrays that starts at array.
func (f *File) walkArrays(array, n uint64, fn func(entry uint64) bool) error {
	item := uint64(8)
	if f.compact {
		item = 4
	}
	for left := le.Uint64(f.m[hNObjects:]) + 1; array != 0 && n > 0; left-- {
		if left == 0 {
			return fmt.Errorf("%w: an entry array chain loops", errCorrupt)
		}
		a, err := f.object(array, objEntryArray, 24)
		if err != nil {
			return err
		}
		for i := uint64(24); i+item <= uint64(len(a)) && n > 0; i += item {
			var e uint64
			if f.compact {
				e = uint64(le.Uint32(a[i:]))
			} else {
				e = le.Uint64(a[i:])
			}
			if e == 0 {
				return nil // the array's unused rest
			}
			n--
			if !fn(e) {
				return nil
			}
		}
		array = le.Uint64(a[16:])
	}
	return nil
}

// EntryHead is what orders an entry among other files' (libsystemd's
// comparison) and its time.
type EntryHead struct {
	Seqnum    uint64
	Realtime  uint64 // µs since the epoch
	Monotonic uint64
	BootID    [16]byte
	SeqnumID  [16]byte // the file's
	XorHash   uint64
}

// Head reads the entry at off's header.
func (f *File) Head(off uint64) (EntryHead, error) {
	o, err := f.object(off, objEntry, 64)
	if err != nil {
		return EntryHead{}, err
	}
	h := EntryHead{Seqnum: le.Uint64(o[16:]), Realtime: le.Uint64(o[24:]), Monotonic: le.Uint64(o[32:]), XorHash: le.Uint64(o[56:]), SeqnumID: f.seqnumID}
	copy(h.BootID[:], o[40:56])
	return h, nil
}

// Before says whether a comes before b, as libsystemd orders entries of
// different files (journal_file_compare_locations): by sequence number
// within one sequence, by monotonic time within one boot, then by
// realtime, then by the hash of their data.
func Before(a, b EntryHead) bool {
	if a.SeqnumID == b.SeqnumID && a.Seqnum != b.Seqnum {
		return a.Seqnum < b.Seqnum
	}
	if a.BootID == b.BootID && a.Monotonic != b.Monotonic {
		return a.Monotonic < b.Monotonic
	}
	if a.Realtime != b.Realtime {
		return a.Realtime < b.Realtime
	}
	return a.XorHash < b.XorHash
}

// Items hands the offsets of the data objects of the entry at off to fn,
// in the entry's order, until fn returns false. (Data objects are shared
// by the entries that hold the same FIELD=value: a reader may know one by
// its offset and not read it again.)
func (f *File) Items(off uint64, fn func(data uint64) bool) error {
	o, err := f.object(off, objEntry, 64)
	if err != nil {
		return err
	}
	item := uint64(16)
	if f.compact {
		item = 4
	}
	for i := uint64(64); i+item <= uint64(len(o)); i += item {
		var d uint64
		if f.compact {
			d = uint64(le.Uint32(o[i:]))
		} else {
			d = le.Uint64(o[i:])
		}
		if !fn(d) {
			return nil
		}
	}
	return nil
}

// Payload is the FIELD=value of the data object at data, decompressed. It
// may be overwritten by the next call.
func (f *File) Payload(data uint64) ([]byte, error) {
	o, err := f.object(data, objData, f.dataMin())
	if err != nil {
		return nil, err
	}
	return f.payload(o)
}

// Fields hands each FIELD=value of the entry at off to fn, in the entry's
// order, until fn returns false. The payload passed may be overwritten
// after fn returns.
func (f *File) Fields(off uint64, fn func(payload []byte) bool) error {
	var bad error
	err := f.Items(off, func(d uint64) bool {
		p, err := f.Payload(d)
		if err != nil {
			bad = err
			return false
		}
		return fn(p)
	})
	if err != nil {
		return err
	}
	return bad
}
