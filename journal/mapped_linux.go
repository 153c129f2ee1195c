package journal

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// watchMappedPages releases the journal files' pages (releaseJournalPages)
// whenever more than max bytes of the process are file-backed and
// resident, or more than total bytes are resident in all, looking every
// 2 ms until stop is called (a look reads /proc/self/statm, some µs; at
// 10 ms the load set's lookups took its peak 20–30 MB past the bounds
// between two looks: 166–196 MB over runs, 153–163 MB at 2 ms, the same
// time). The second bound is for the moments the Go
// heap is at its soft limit (reading a large audit log): file-backed pages
// are what can be given back at once. Counting the pages
// each read touches missed what one libsystemd call touches at once:
// enumerating a field's values over 600 MB of files mapped 330 MB for a
// fifth of a second, and the peak is what a bound on memory is about.
// Releasing while libsystemd reads is safe: the maps are read-only views
// of the files, refaulted from the page cache when touched again.
func watchMappedPages(max, total int64) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if pastBounds(max, total) {
					releaseJournalPages()
				}
			}
		}
	}()
	return func() { close(done) }
}

// releaseJournalPages tells the kernel that the pages of journal files
// libsystemd has mapped are not needed for now. libsystemd keeps up to 64
// windows of 8 MiB per open journal mapped while it reads; every page it
// touched counts in the process's resident size, so reading 1 GB of
// journal files looked like 500 MB of memory. The pages stay in the page
// cache: dropping them from this process's page tables (MADV_DONTNEED on a
// read-only file mapping) costs a minor fault when libsystemd reads them
// again, and nothing of what it holds is lost.
func releaseJournalPages() {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		line := sc.Bytes()
		if !bytes.HasSuffix(line, []byte(".journal")) && !bytes.HasSuffix(line, []byte(".journal~")) {
			continue
		}
		fields := bytes.Fields(line)
		if len(fields) < 6 || fields[1][1] == 'w' {
			continue
		}
		span := bytes.SplitN(fields[0], []byte("-"), 2)
		if len(span) != 2 {
			continue
		}
		start, err1 := strconv.ParseUint(string(span[0]), 16, 64)
		end, err2 := strconv.ParseUint(string(span[1]), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}

// pastBounds says whether the journal files' mapped pages are to be
// released: more than max bytes of the process are file-backed and
// resident, or more than total in all while the file-backed pages are
// worth giving back (past releaseFloor). Without that floor, when the Go
// heap and the direct reads' cache (journalfile.Cache) alone came near
// total, every look released pages that were not there, and libsystemd
// faulted back in the few it used: a 64 MB cache made the load set's
// system time 3 → 13 s.
func pastBounds(max, total int64) bool {
	all, file := resident()
	return file > max || all > total && file > releaseFloor
}

// releaseFloor is the file-backed memory that is not the journal's (the
// binary's and libraries' pages: 10 MB at the start of a triage) and some.
const releaseFloor = 24 << 20

// resident is how much of the process's memory is resident, in all and
// file-backed (the second and third fields of /proc/self/statm, in pages;
// the third counts file-backed and shared memory), or 0, 0 when it cannot
// be read.
func resident() (all, file int64) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, 0
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return 0, 0
	}
	all, _ = strconv.ParseInt(string(f[1]), 10, 64)
	file, _ = strconv.ParseInt(string(f[2]), 10, 64)
	page := int64(os.Getpagesize())
	return all * page, file * page
}
