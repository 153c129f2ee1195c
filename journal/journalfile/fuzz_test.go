package journalfile

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

// FuzzDamagedFile damages a real journal file (journal-remote's, compact,
// zstd) where the fuzzer says, and reads all of it the ways triage does:
// errors are fine, a fault, a hang or an unbounded allocation is not.
// Each 9 bytes of the input are an offset into the file's written part
// (8 bytes, little-endian) and the byte to put there; an input of 16
// bytes puts a whole offset (the chains' and tables' words).
func FuzzDamagedFile(f *testing.F) {
	base, err := os.ReadFile("../../testdata/journal-long-fields/remote-labvm.journal")
	if err != nil {
		f.Fatal(err)
	}
	used := le.Uint64(base[136:]) + 4096 // up to past the tail object
	seed := func(at uint64, b byte) []byte {
		s := binary.LittleEndian.AppendUint64(nil, at)
		return append(s, b)
	}
	f.Add(seed(hDataHashOffset, 0xff))                // the data hash table elsewhere
	f.Add(seed(hNObjects+7, 0x7f))                    // a huge object count
	f.Add(seed(hEntryArray, 0x08))                    // the entry array at the header
	f.Add(seed(used/2, 0x01))                         // an object's middle
	f.Add(append(seed(4096, 0), 0, 0, 0, 0, 0, 0, 0)) // 16 bytes: a word
	c, err := NewCache(0)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b := bytes.Clone(base[:min(uint64(len(base)), used+(1<<16))])
		// The header says how large the file is; keep it in the copy.
		le.PutUint64(b[hArenaSize:], uint64(len(b))-le.Uint64(b[hHeaderSize:]))
		if len(in) == 16 {
			at := binary.LittleEndian.Uint64(in) % uint64(len(b)-8)
			copy(b[at&^7:], in[8:])
		}
		for ; len(in) >= 9; in = in[9:] {
			b[binary.LittleEndian.Uint64(in)%uint64(len(b))] = in[8]
		}
		jf, err := newFile(bytes.NewReader(b), uint64(len(b)), c)
		if err != nil {
			return
		}
		readAll(jf)
	})
}

// readAll reads everything of f the ways triage does.
func readAll(f *File) {
	f.Entries(func(off uint64) bool {
		f.Head(off)
		f.Fields(off, func(p []byte) bool {
			if bytes.HasPrefix(p, []byte("_SYSTEMD_INVOCATION_ID=")) || bytes.HasPrefix(p, []byte("UNIT=")) {
				if d, err := f.Lookup(p); err == nil && d != 0 {
					f.EntriesOf(d, func(uint64) bool { return true })
				}
			}
			return true
		})
		return true
	})
	for _, field := range []string{"_SYSTEMD_UNIT", "_PID", "MESSAGE"} {
		f.Values(field, func([]byte) bool { return true })
	}
}
