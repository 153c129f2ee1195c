package journal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/coreos/go-systemd/v22/sdjournal"
)

// skippedFiles names the journal files of a folder that libsystemd left out
// of j: opening a folder, it passes over a file it cannot open (truncated,
// damaged, of a format it does not know) and says nothing, so that a
// damaged file's runs were simply absent from the answer. The disk usage
// of the files it opened (sd_journal_get_usage) is compared with the
// folder's, a stat a file; only when they differ is each file opened alone
// to name those that fail.
func skippedFiles(j *sdjournal.Journal, spec JournalSpec) []Warning {
	if spec.Dir == "" || len(spec.Files) > 0 {
		return nil // the live journal, or files: libsystemd fails the open if one fails
	}
	files := folderJournalFiles(spec.Dir)
	var want uint64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			if s, ok := st.Sys().(*syscall.Stat_t); ok {
				want += uint64(s.Blocks) * 512
			}
		}
	}
	got, err := j.GetUsage()
	if err != nil || got == want {
		return nil
	}
	var out []Warning
	for _, f := range files {
		one, err := sdjournal.NewJournalFromFiles(f)
		if err != nil {
			var errno syscall.Errno
			if errors.As(err, &errno) {
				err = errno
			}
			out = append(out, Warning{Source: f, Text: fmt.Sprintf("libsystemd cannot open this journal file (%v: truncated or damaged?), so it was left out and what it holds is missing", err), Incomplete: true})
			continue
		}
		one.Close()
	}
	return out
}

// folderJournalFiles are the journal files libsystemd opens in dir: its own
// and those of machine-ID folders in it. Links are followed, as libsystemd
// follows them: a --bundle folder is read through a view of links to its
// files (viewFolder), and a view whose files were passed over here was
// read without routing or direct reads (29 s against 5 s on the load set)
// and without naming a damaged file.
func folderJournalFiles(dir string) []string {
	var out []string
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range ents {
		n := e.Name()
		switch {
		case journalFileName(n) && isKind(dir, e, os.FileMode.IsRegular):
			out = append(out, filepath.Join(dir, n))
		case id128(n) && isKind(dir, e, os.FileMode.IsDir):
			sub, _ := os.ReadDir(filepath.Join(dir, n))
			for _, s := range sub {
				if journalFileName(s.Name()) && isKind(filepath.Join(dir, n), s, os.FileMode.IsRegular) {
					out = append(out, filepath.Join(dir, n, s.Name()))
				}
			}
		}
	}
	return out
}

// isKind tells whether the folder entry e of dir is of the kind is asks
// for, a link by what it leads to.
func isKind(dir string, e os.DirEntry, is func(os.FileMode) bool) bool {
	if e.Type()&os.ModeSymlink == 0 {
		return is(e.Type())
	}
	st, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && is(st.Mode())
}

// journalFileName: a name libsystemd takes for a journal file (an active
// one, an archived one, or one journald set aside as dirty).
func journalFileName(n string) bool {
	return strings.HasSuffix(n, ".journal") || strings.HasSuffix(n, ".journal~")
}
