package cli

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"

	"github.com/harden-tool/harden/journal"
)

// evidenceFlags are the flags by which why, triage and collect are told
// where to read evidence, the time window and the hosts: one spelling and
// one help text for all of them.
type evidenceFlags struct {
	Bundle    string
	Directory string
	Files     []string
	AuditLogs []string
	Units     string
	Hosts     []string
	Since     string
	Until     string
}

func (e *evidenceFlags) register(fl *pflag.FlagSet, sinceHelp string, units bool) {
	fl.StringVar(&e.Bundle, "bundle", "", "read all evidence from a bundle `DIR` or .tar.gz copied from a host")
	fl.StringVarP(&e.Directory, "directory", "D", "", directoryHelp)
	fl.StringArrayVar(&e.Files, "file", nil, "read the journal from `FILE` (repeatable): journal files, or journalctl -o export / -o json output")
	fl.StringArrayVar(&e.AuditLogs, "audit-log", nil, "read the audit log from `PATH` (file or folder; repeatable; default /var/log/audit on a live host)")
	fl.StringArrayVar(&e.Hosts, "host", nil, "only entries of this `HOST` (_HOSTNAME or _MACHINE_ID; repeatable)")
	fl.StringVar(&e.Since, "since", "", "from `TIME` on ("+sinceHelp+"; \"2026-01-02 15:04\", \"-2h\", \"yesterday\")")
	fl.StringVar(&e.Until, "until", "", "up to `TIME`")
	if units {
		fl.StringVar(&e.Units, "unit-dir", "", unitDirHelp)
		// journalctl's -u names a unit: a folder flag named --units read
		// as one. The old name stays, deprecated.
		fl.StringVar(&e.Units, "units", "", "")
		fl.MarkDeprecated("units", "use --unit-dir")
	}
}

// The help of the evidence flags watch shares with the other commands:
// one text, one meaning.
const (
	directoryHelp = "read the journal from `DIR` (journald or journal-remote output) instead of the local one"
	unitDirHelp   = "unit configuration folder `DIR` (NAME.show, NAME.cat, or HOST/NAME.show) instead of D-Bus"
)

// offline reports whether evidence was named, rather than the live host.
func (e *evidenceFlags) offline() bool {
	return e.Bundle != "" || e.Directory != "" || len(e.Files) > 0
}

// sources are the evidence sources the flags name (the bundle as given).
func (e *evidenceFlags) sources() journal.Sources {
	return journal.Sources{Bundle: e.Bundle, Directory: e.Directory, Files: e.Files, AuditLogs: e.AuditLogs}
}

// window parses --since and --until.
func (e *evidenceFlags) window(now time.Time) (since, until time.Time, err error) {
	if since, err = ParseTime(e.Since, now); err != nil {
		return since, until, withHints(fmt.Errorf("--since: %w", err), timeHint)
	}
	if until, err = ParseTime(e.Until, now); err != nil {
		return since, until, withHints(fmt.Errorf("--until: %w", err), timeHint)
	}
	return since, until, nil
}

const timeHint = `times look like "2026-01-02 15:04:05", "15:04", "-2h", "2h ago", "yesterday" or "@1767225600"`

// unitFiles is where --unit-dir keeps a unit's show and cat output.
func (e *evidenceFlags) unitFiles(unit string) (show, cat string) {
	return filepath.Join(e.Units, unit+".show"), filepath.Join(e.Units, unit+".cat")
}
