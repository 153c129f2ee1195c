package journal

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// smapsOf sums the resident kB of the process's mappings of path.
func smapsOf(t *testing.T, path string) (rss int, mappings int) {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"): // a mapping (anonymous ones have no path)
			in = strings.HasSuffix(line, path)
			if in {
				mappings++
			}
		case in && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			rss += n
		}
	}
	return rss, mappings
}

// The journal files' pages libsystemd touched are let go from the process
// (the page cache keeps them).
func TestReleaseJournalPages(t *testing.T) {
	path, _ := filepath.Abs("../testdata/journal-257/system@lab-trixie.journal")
	j, err := sdjournal.NewJournalFromFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	r := leanReader()
	for {
		c, err := j.Next()
		if err != nil || c == 0 {
			break
		}
		if _, err := r.read(j); err != nil {
			t.Fatal(err)
		}
	}
	rss, n := smapsOf(t, path)
	if n == 0 || rss == 0 {
		t.Fatalf("the file is not mapped (%d mappings, %d kB resident)", n, rss)
	}
	releaseJournalPages()
	after, _ := smapsOf(t, path)
	if after != 0 {
		t.Errorf("%d kB still resident after the release (%d before)", after, rss)
	}
	t.Logf("%d mappings, %d kB resident before the release", n, rss)
}
