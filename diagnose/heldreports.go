package diagnose

import (
	"errors"
	"io"
	"os"
)

// A triage printed as JSON prints every answer's report, worst first, so
// the reports are held until the last run is explained. Held in the heap
// they made the memory grow with the answers: on the load set, 19,000
// encoded reports took the peak from 65 MB (text) to 94 MB, 1.72× the 100
// MB set's where the text output's is 1.36×. They are held in a temporary
// file instead, unlinked as soon as it is made (so nothing is left behind,
// whatever ends harden), and read back one at a time as they are printed:
// the page cache holds them, not the process. Where no temporary file can
// be made or written (a read-only /tmp), they are held in memory as before.

// heldReports holds encoded reports in a file, or in memory.
type heldReports struct {
	file    *os.File // nil: none could be made
	fileEnd int64
	inFile  bool // puts go to the file (a write failed: to memory since)
	mem     memArena
}

// heldReport is where one report is held; n is 0 for none. A report of
// the same answer as a newer run replaces it in place when it fits (room):
// the load set's 105,000 failed runs are 19,000 answers.
type heldReport struct {
	at      int64
	n, room int32
	inFile  bool
}

// newHeldReports makes the store, in a temporary file when one can be made.
func newHeldReports() *heldReports {
	h := &heldReports{}
	if f, err := os.CreateTemp("", "harden-answers-"); err == nil {
		if os.Remove(f.Name()) == nil {
			h.file, h.inFile = f, true
		} else {
			f.Close()
		}
	}
	return h
}

// put holds b, in old's place if it fits there.
func (h *heldReports) put(old heldReport, b []byte) heldReport {
	r := heldReport{n: int32(len(b)), inFile: h.inFile}
	if old.n > 0 && old.inFile == r.inFile && len(b) <= int(old.room) {
		r.at, r.room = old.at, old.room
	} else {
		// Room for a report a little longer: the next of the same answer
		// differs in times, PIDs and the words of its lines.
		r.room = r.n + r.n/8
		if r.inFile {
			r.at, h.fileEnd = h.fileEnd, h.fileEnd+int64(r.room)
		} else {
			r.at = int64(len(h.mem.b))
			h.mem.b = append(h.mem.b, make([]byte, r.room)...)
		}
	}
	if r.inFile {
		if _, err := h.file.WriteAt(b, r.at); err != nil {
			h.inFile = false // (the reports written so far are still read back)
			return h.put(heldReport{}, b)
		}
		return r
	}
	copy(h.mem.b[r.at:], b)
	return r
}

// get reads r back.
func (h *heldReports) get(r heldReport) ([]byte, error) {
	if r.n == 0 {
		return nil, errors.New("no report was held")
	}
	b := make([]byte, r.n)
	var src io.ReaderAt = &h.mem
	if r.inFile {
		src = h.file
	}
	if _, err := src.ReadAt(b, r.at); err != nil {
		return nil, err
	}
	return b, nil
}

// close lets the file go (the system frees it: it has no name).
func (h *heldReports) close() {
	if h.file != nil {
		h.file.Close()
		h.file = nil
	}
	h.mem.b = nil
}

// memArena is the reports held in memory.
type memArena struct{ b []byte }

func (m *memArena) ReadAt(p []byte, at int64) (int, error) {
	if at < 0 || at+int64(len(p)) > int64(len(m.b)) {
		return 0, io.ErrUnexpectedEOF
	}
	return copy(p, m.b[at:]), nil
}
