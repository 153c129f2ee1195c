package journalfile

import (
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Why files are read into a cache of blocks and not mapped: triage reads
// the entries of 100,000 runs scattered over a gigabyte of files. Mapped,
// every page it touched counted in the process's resident memory until it
// was given back (MADV_DONTNEED), then was faulted in again: on the load
// set 150,000 extra faults and 1.5 s of releases, and the pages were most
// of what a bound on memory had to hold down. Read with pread into a fixed
// set of blocks, the memory is the cache's, the hot blocks (hash tables,
// the objects many entries share) stay, and nothing has to be given back.

// blockSize is the unit read; the kernel's page.
const blockSize = 4096

// Cache holds the blocks of journal files read lately, for the Files
// opened with it; its memory is allocated once, outside the Go heap (a
// live cache under the heap's soft limit would make the collector run
// more often). Not safe for concurrent use, nor are its Files.
type Cache struct {
	mem   []byte   // slots of blockSize
	keys  []uint64 // what each slot holds (see key); 0: nothing
	ref   []bool   // read since the clock hand last passed
	slot  map[uint64]int32
	hand  int
	files uint64 // Files opened with it (their numbers in keys)
	// last is the slot of the last block asked for (most reads are of
	// the block just read).
	lastKey  uint64
	lastSlot int32
}

// NewCache makes a cache of size bytes (at least 64 blocks).
func NewCache(size int) (*Cache, error) {
	n := max(size/blockSize, 64)
	mem, err := syscall.Mmap(-1, 0, n*blockSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, err
	}
	return &Cache{mem: mem, keys: make([]uint64, n), ref: make([]bool, n), slot: make(map[uint64]int32, n)}, nil
}

// Release frees the cache's memory; its Files must not be used after.
func (c *Cache) Release() error {
	if c.mem == nil {
		return nil
	}
	m := c.mem
	c.mem, c.keys, c.ref, c.slot = nil, nil, nil, nil
	return syscall.Munmap(m)
}

// key names block b of file number file (file numbers start at 1).
func key(file, b uint64) uint64 { return file<<40 | b }

var errShortRead = errors.New("journal file ends inside a block it names")

// block is the bytes of block b of the file numbered file, read from r if
// not held (limit: the file's size); valid until the next call.
func (c *Cache) block(file uint64, r io.ReaderAt, b, limit uint64) ([]byte, error) {
	k := key(file, b)
	if k == c.lastKey {
		return c.mem[int(c.lastSlot)*blockSize:][:blockSize], nil
	}
	if s, ok := c.slot[k]; ok {
		c.ref[s] = true
		c.lastKey, c.lastSlot = k, s
		return c.mem[int(s)*blockSize:][:blockSize], nil
	}
	// The clock: the first slot not read since the hand last passed.
	for c.ref[c.hand] {
		c.ref[c.hand] = false
		c.hand = (c.hand + 1) % len(c.keys)
	}
	s := c.hand
	c.hand = (c.hand + 1) % len(c.keys)
	if old := c.keys[s]; old != 0 {
		delete(c.slot, old)
		c.keys[s] = 0
	}
	if c.lastSlot == int32(s) {
		c.lastKey = 0
	}
	buf := c.mem[s*blockSize:][:blockSize]
	want := min(uint64(blockSize), limit-b*blockSize)
	start := time.Now()
	n, err := r.ReadAt(buf[:want], int64(b*blockSize))
	if time.Since(start) > diskRead {
		aroundOnDisk(r, b*blockSize)
	}
	if uint64(n) < want {
		if err == nil || err == io.EOF {
			err = errShortRead
		}
		return nil, fmt.Errorf("%w: block %d: %v", errCorrupt, b, err)
	}
	clear(buf[want:])
	c.keys[s], c.ref[s] = k, true
	c.slot[k] = int32(s)
	c.lastKey, c.lastSlot = k, int32(s)
	return buf, nil
}

// A read that took longer than diskRead went to the disk (a read from the
// page cache takes a few µs): the file is not in the page cache. Blocks
// read one at a time are then 4 KiB reads of the disk each, where a
// mapped read faults in 64–128 KiB around the page: a cold 1.9 GB journal
// (healthy95, 4 GB of export) took 10.4–12.8 s where libsystemd took
// 8.9–9.4.
// The kernel is asked to read the 128 KiB around such a block ahead
// (POSIX_FADV_WILLNEED, which does not wait): 7.5–9.3 s. (At 200 µs, few
// reads were slow enough: 10.8–10.9 s.)
const (
	diskRead   = 30 * time.Microsecond
	readAround = 128 << 10
)

func aroundOnDisk(r io.ReaderAt, off uint64) {
	fd, ok := r.(interface{ Fd() uintptr })
	if !ok {
		return
	}
	from := off &^ (readAround - 1)
	unix.Fadvise(int(fd.Fd()), int64(from), readAround, unix.FADV_WILLNEED)
}
