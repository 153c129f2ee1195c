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
// read from the file is checked against its size before it is used, and
// every chain must go the one way journald writes it (a hash bucket's and
// an entry array's to objects appended later, a field's values to ones
// appended earlier), which also ends any loop: a corrupt or hostile file
// gives an error, never a fault or a hang.
package journalfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

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
	hFieldHashOff   = 120
	hFieldHashSize  = 128
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
	objField      = 2
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

// File is a journal file read through a Cache. Not safe for concurrent
// use.
type File struct {
	r        io.ReaderAt
	fd       *os.File // (nil for a file in memory, in tests)
	c        *Cache
	n        uint64 // its number in c
	size     uint64 // header + arena: no offset past it is read
	header   [hMin]byte
	compact  bool
	k0, k1   uint64 // the hash key (the file ID)
	seqnumID [16]byte
	scratch  []byte // what at returns when it spans blocks
	items    []byte // an entry's items (Items)
	buf      []byte // decompressed payloads
}

// Open reads the journal file fd through c, and checks its header;
// ErrUnsupported (wrapped) for a file this package does not read. fd is
// the caller's to open (a regular file: a FIFO would block) and the
// File's to close, even when Open fails.
func Open(fd *os.File, c *Cache) (*File, error) {
	st, err := fd.Stat()
	if err != nil {
		fd.Close()
		return nil, err
	}
	f, err := newFile(fd, uint64(st.Size()), c)
	if err != nil {
		fd.Close()
		return nil, fmt.Errorf("%s: %w", fd.Name(), err)
	}
	f.fd = fd
	return f, nil
}

// newFile checks the header of the file r of size bytes.
func newFile(r io.ReaderAt, size uint64, c *Cache) (*File, error) {
	f := &File{r: r, c: c}
	if size < hMin || size > 1<<40 {
		return nil, fmt.Errorf("%w: size %d", ErrUnsupported, size)
	}
	if n, _ := r.ReadAt(f.header[:], 0); n < hMin {
		return nil, fmt.Errorf("%w: header unreadable", ErrUnsupported)
	}
	m := f.header[:]
	if string(m[:8]) != "LPKSHHRH" {
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
	if hs < hMin || hs > size || arena > size-hs {
		return nil, fmt.Errorf("%w: header size %d, arena %d in %d bytes", errCorrupt, hs, arena, size)
	}
	c.files++
	f.n, f.size = c.files, hs+arena
	f.compact = inc&incCompact != 0
	f.k0, f.k1 = le.Uint64(m[hFileID:]), le.Uint64(m[hFileID+8:])
	copy(f.seqnumID[:], m[hSeqnumID:])
	return f, nil
}

// Close closes the file (its blocks in the cache are left to age out).
func (f *File) Close() error {
	if f.fd == nil {
		return nil
	}
	fd := f.fd
	f.fd, f.r = nil, nil
	return fd.Close()
}

// at is the n bytes at off, valid until the next call (from the cache, or
// a copy where they span blocks).
func (f *File) at(off, n uint64) ([]byte, error) {
	if f.r == nil {
		return nil, errors.New("journal file is closed")
	}
	if off > f.size || n > f.size-off {
		return nil, fmt.Errorf("%w: %d bytes at %d, past its end", errCorrupt, n, off)
	}
	b, in := off/blockSize, off%blockSize
	if in+n <= blockSize {
		blk, err := f.c.block(f.n, f.r, b, f.size)
		if err != nil {
			return nil, err
		}
		return blk[in : in+n], nil
	}
	if n > maxObject {
		return nil, fmt.Errorf("%w: %d bytes at %d", errCorrupt, n, off)
	}
	if uint64(cap(f.scratch)) < n {
		f.scratch = make([]byte, n)
	}
	out := f.scratch[:n]
	for done := uint64(0); done < n; {
		blk, err := f.c.block(f.n, f.r, (off+done)/blockSize, f.size)
		if err != nil {
			return nil, err
		}
		done += uint64(copy(out[done:], blk[(off+done)%blockSize:]))
	}
	return out, nil
}

// maxObject bounds what at copies at once (an object read whole: a data
// object's payload, an entry's items).
const maxObject = 64 << 20

// u64 and u32 read a number at off.
func (f *File) u64(off uint64) (uint64, error) {
	b, err := f.at(off, 8)
	if err != nil {
		return 0, err
	}
	return le.Uint64(b), nil
}

func (f *File) u32(off uint64) (uint64, error) {
	b, err := f.at(off, 4)
	if err != nil {
		return 0, err
	}
	return uint64(le.Uint32(b)), nil
}

// object checks the object at off is of type typ and at least min bytes
// long, and returns its size and flags.
func (f *File) object(off uint64, typ byte, min uint64) (size uint64, flags byte, err error) {
	if off%8 != 0 || off < hMin {
		return 0, 0, fmt.Errorf("%w: object offset %d", errCorrupt, off)
	}
	h, err := f.at(off, 16)
	if err != nil {
		return 0, 0, err
	}
	size = le.Uint64(h[8:])
	if h[0] != typ || size < min || size > f.size-off {
		return 0, 0, fmt.Errorf("%w: object at %d: type %d, size %d", errCorrupt, off, h[0], size)
	}
	return size, h[1], nil
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

// payload is the FIELD=value of the data object at off (size bytes,
// flags), decompressed whole (as libsystemd returns it to go-systemd,
// which sets no data threshold). It may be overwritten by the next call.
func (f *File) payload(off, size uint64, flags byte) ([]byte, error) {
	p, err := f.at(off+f.dataMin(), size-f.dataMin())
	if err != nil {
		return nil, err
	}
	switch {
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
	table, size := le.Uint64(f.header[hDataHashOffset:]), le.Uint64(f.header[hDataHashSize:])
	if size < 16 || table%8 != 0 || table > f.size || size > f.size-table {
		return 0, fmt.Errorf("%w: data hash table at %d, %d bytes", errCorrupt, table, size)
	}
	h := siphash.Hash(f.k0, f.k1, payload)
	off, err := f.u64(table + h%(size/16)*16)
	if err != nil {
		return 0, err
	}
	for steps := le.Uint64(f.header[hNObjects:]) + 1; off != 0; steps-- {
		if steps == 0 {
			return 0, fmt.Errorf("%w: a hash chain loops", errCorrupt)
		}
		osize, flags, err := f.object(off, objData, f.dataMin())
		if err != nil {
			return 0, err
		}
		d, err := f.at(off+16, 16) // hash, next in the bucket
		if err != nil {
			return 0, err
		}
		hash, next := le.Uint64(d), le.Uint64(d[8:])
		if hash == h {
			p, err := f.payload(off, osize, flags)
			if err != nil {
				return 0, err
			}
			if bytes.Equal(p, payload) {
				return off, nil
			}
		}
		if next != 0 && next <= off {
			return 0, fmt.Errorf("%w: a hash chain goes back", errCorrupt)
		}
		off = next
	}
	return 0, nil
}

// Values hands each FIELD=value the file holds of field (one data object
// each) to fn, until fn returns false: the field's object, found through
// the field hash table, chains them. The payload passed may be
// overwritten after fn returns.
func (f *File) Values(field string, fn func(payload []byte) bool) error {
	table, size := le.Uint64(f.header[hFieldHashOff:]), le.Uint64(f.header[hFieldHashSize:])
	if size < 16 || table%8 != 0 || table > f.size || size > f.size-table {
		return fmt.Errorf("%w: field hash table at %d, %d bytes", errCorrupt, table, size)
	}
	h := siphash.Hash(f.k0, f.k1, []byte(field))
	off, err := f.u64(table + h%(size/16)*16)
	if err != nil {
		return err
	}
	steps := le.Uint64(f.header[hNObjects:]) + 1
	head := uint64(0)
	for ; off != 0; steps-- {
		if steps == 0 {
			return fmt.Errorf("%w: a hash chain loops", errCorrupt)
		}
		osize, _, err := f.object(off, objField, 40)
		if err != nil {
			return err
		}
		d, err := f.at(off+16, 24) // hash, next in the bucket, first data
		if err != nil {
			return err
		}
		hash, next, first := le.Uint64(d), le.Uint64(d[8:]), le.Uint64(d[16:])
		if hash == h {
			name, err := f.at(off+40, osize-40)
			if err != nil {
				return err
			}
			if string(name) == field {
				head = first
				break
			}
		}
		if next != 0 && next <= off {
			return fmt.Errorf("%w: a hash chain goes back", errCorrupt)
		}
		off = next
	}
	for d := head; d != 0; steps-- {
		if steps == 0 {
			return fmt.Errorf("%w: a field's data chain loops", errCorrupt)
		}
		size, flags, err := f.object(d, objData, f.dataMin())
		if err != nil {
			return err
		}
		next, err := f.u64(d + 32)
		if err != nil {
			return err
		}
		p, err := f.payload(d, size, flags)
		if err != nil {
			return err
		}
		if !fn(p) {
			return nil
		}
		if next >= d {
			return fmt.Errorf("%w: a field's data chain goes forward", errCorrupt)
		}
		d = next
	}
	return nil
}

// EntriesOf hands the offsets of the entries holding the data object at
// data to fn, in the file's order, until fn returns false.
func (f *File) EntriesOf(data uint64, fn func(entry uint64) bool) error {
	c, err := f.EntriesOfData(data)
	if err != nil {
		return err
	}
	return c.each(fn)
}

// Entries hands the offsets of all the file's entries to fn, in the
// file's order, until fn returns false.
func (f *File) Entries(fn func(entry uint64) bool) error {
	c := &Cursor{f: f, array: le.Uint64(f.header[hEntryArray:]), left: le.Uint64(f.header[hNEntries:])}
	return c.each(fn)
}

// Cursor steps through a list of entries in the file's order: the
// entries holding a data object (its first, then its chain of entry
// arrays) or all of the file's.
type Cursor struct {
	f           *File
	first       uint64 // the data object's first entry, not handed out yet
	array       uint64 // the entry array being read (0: none left)
	next        uint64 // the array after it
	at, size    uint64 // the next item's offset in the array, its size
	left        uint64 // entries left to hand out
	arraysMoved uint64 // (a chain that loops ends in an error)
}

// EntriesOfData is a cursor over the entries holding the data object at
// data.
func (f *File) EntriesOfData(data uint64) (*Cursor, error) {
	if _, _, err := f.object(data, objData, f.dataMin()); err != nil {
		return nil, err
	}
	d, err := f.at(data+40, 24) // first entry, entry array, entries
	if err != nil {
		return nil, err
	}
	c := &Cursor{f: f, first: le.Uint64(d), array: le.Uint64(d[8:]), left: le.Uint64(d[16:])}
	if c.first == 0 {
		c.left = 0
	}
	return c, nil
}

// Left is how many entries the cursor has left to hand out, as the data
// object counts them (at most: a damaged list may end before).
func (c *Cursor) Left() uint64 { return c.left }

// Next is the next entry's offset, 0 at the end.
func (c *Cursor) Next() (uint64, error) {
	f := c.f
	if c.left == 0 {
		return 0, nil
	}
	if c.first != 0 {
		e := c.first
		c.first = 0
		c.left--
		return e, nil
	}
	item := uint64(8)
	if f.compact {
		item = 4
	}
	for {
		if c.size == 0 { // enter c.array
			if c.array == 0 {
				c.left = 0
				return 0, nil
			}
			if c.arraysMoved++; c.arraysMoved > le.Uint64(f.header[hNObjects:]) {
				return 0, fmt.Errorf("%w: an entry array chain loops", errCorrupt)
			}
			size, _, err := f.object(c.array, objEntryArray, 24)
			if err != nil {
				return 0, err
			}
			next, err := f.u64(c.array + 16)
			if err != nil {
				return 0, err
			}
			if next != 0 && next <= c.array {
				return 0, fmt.Errorf("%w: an entry array chain goes back", errCorrupt)
			}
			c.next, c.at, c.size = next, 24, size
		}
		if c.at+item > c.size {
			c.array, c.size = c.next, 0
			continue
		}
		var e uint64
		var err error
		if f.compact {
			e, err = f.u32(c.array + c.at)
		} else {
			e, err = f.u64(c.array + c.at)
		}
		if err != nil {
			return 0, err
		}
		c.at += item
		if e == 0 { // the array's unused rest: the list's end
			c.left = 0
			return 0, nil
		}
		c.left--
		return e, nil
	}
}

// each hands the cursor's entries to fn until fn returns false.
func (c *Cursor) each(fn func(entry uint64) bool) error {
	for {
		e, err := c.Next()
		if err != nil || e == 0 {
			return err
		}
		if !fn(e) {
			return nil
		}
	}
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
	if _, _, err := f.object(off, objEntry, 64); err != nil {
		return EntryHead{}, err
	}
	o, err := f.at(off, 64)
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
	size, _, err := f.object(off, objEntry, 64)
	if err != nil {
		return err
	}
	if size-64 > maxItems*16 {
		return fmt.Errorf("%w: an entry of %d bytes", errCorrupt, size)
	}
	o, err := f.at(off+64, size-64)
	if err != nil {
		return err
	}
	// fn reads the file: the items are copied first.
	f.items = append(f.items[:0], o...)
	item := 16
	if f.compact {
		item = 4
	}
	for i := 0; i+item <= len(f.items); i += item {
		var d uint64
		if f.compact {
			d = uint64(le.Uint32(f.items[i:]))
		} else {
			d = le.Uint64(f.items[i:])
		}
		if !fn(d) {
			return nil
		}
	}
	return nil
}

// maxItems bounds an entry's fields: journald and journal-remote take at
// most 1024 (ENTRY_FIELD_COUNT_MAX); a damaged entry claiming millions
// made reading every entry quadratic in the file's size.
const maxItems = 4096

// Payload is the FIELD=value of the data object at data, decompressed. It
// may be overwritten by the next call.
func (f *File) Payload(data uint64) ([]byte, error) {
	size, flags, err := f.object(data, objData, f.dataMin())
	if err != nil {
		return nil, err
	}
	return f.payload(data, size, flags)
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
