package diagnose

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Reports held for a JSON triage read back as they were written: each
// answer's newest report in its older one's place when it fits, moved
// when it does not, in the temporary file, in memory, and when the file
// refuses a write part way (the reports before it are still read from the
// file, the rest held in memory). The reports are a real capture's, with
// their causes lengthened and shortened as other runs' words would.
func TestHeldReportsReadBackAsWritten(t *testing.T) {
	rep := captureReport(t)
	encode := func(cause string) []byte {
		r := *rep
		r.Cause = cause
		b, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, kind := range []string{"file", "memory", "a write refused"} {
		t.Run(kind, func(t *testing.T) {
			h := newHeldReports()
			defer h.close()
			if kind == "memory" {
				h.close()
				h.inFile = false
			} else if h.file == nil {
				t.Skip("no temporary file can be made here")
			}
			var held []heldReport
			var want [][]byte
			add := func(cause string) {
				b := encode(cause)
				held, want = append(held, h.put(heldReport{}, b)), append(want, b)
			}
			for i := range 6 {
				add(strings.Repeat("x", 10*i))
			}
			if kind == "a write refused" {
				// The same file, open for reading only: what was written
				// reads back, writes fail.
				p := filepath.Join(t.TempDir(), "answers")
				all, err := io.ReadAll(io.NewSectionReader(h.file, 0, h.fileEnd))
				if err != nil || len(all) == 0 {
					t.Fatal(len(all), err)
				}
				if err := os.WriteFile(p, all, 0o600); err != nil {
					t.Fatal(err)
				}
				h.file.Close()
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				h.file = f
				add("after the refusal")
				if h.inFile || held[len(held)-1].inFile {
					t.Error("a refused write did not send the reports to memory")
				}
			}
			in := held[0]
			shorter := encode("short")
			if held[0] = h.put(held[0], shorter); held[0].at != in.at && held[0].inFile == in.inFile {
				t.Errorf("a shorter report moved: %+v then %+v", in, held[0])
			}
			want[0] = shorter
			longer := encode(strings.Repeat("z", 4000))
			held[1] = h.put(held[1], longer)
			want[1] = longer
			for i, r := range held {
				got, err := h.get(r)
				if err != nil || !bytes.Equal(got, want[i]) {
					t.Errorf("report %d read back: %v\n%s\nwant\n%s", i, err, got, want[i])
				}
			}
		})
	}
}
