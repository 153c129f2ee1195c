package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// TriageInput names what a triage reads: the journal sources (a bundle as
// the operator gave it: folder or archive), the window and hosts, a live
// host when nothing was named, and where the units' configurations are
// (UnitDir: NAME.show and NAME.cat, or HOST/NAME.show; default the
// bundle's units/, else D-Bus).
type TriageInput struct {
	Sources Sources
	Query   Query
	Live    LiveHost
	UnitDir string
}

// TriageEvidence is a triage's evidence, assembled once: the audit
// denials of the units' processes (at most MaxDenialsPerPID each), the
// host, and the journal, which Scan streams. Close removes what opening a
// bundle archive unpacked.
type TriageEvidence struct {
	Denials []AuditEvent
	Host    HostInfo
	// Missing says what could not be read; Dropped counts the audit
	// records beyond MaxDenialsPerPID of a process, Foreign those of
	// processes no unit in the journal owns.
	Missing          []string
	Dropped, Foreign int
	// JournalRead: the journal has entries in the window (set by Runs,
	// which reads only the runs worth explaining).
	JournalRead bool

	in         TriageInput
	src        Sources
	auditFiles []string
	unitDir    string
	cleanup    func()
	names      bundleNames // what is said names the bundle's files
	configs    configCache
}

// configCache holds the units' configurations triage asked for: a unit
// that failed 10,000 times was looked up (two files opened, or a
// systemctl show) 10,000 times. Bounded: a few hundred configurations
// (some tens of KB each), and many more names known to have none.
type configCache struct {
	mu   sync.Mutex
	held map[[2]string]*UnitConfig
	none map[[2]string]bool
}

const (
	configsHeld = 256
	configsNone = 1 << 16
)

// MaxDenialsPerPID bounds what triage keeps of one process's audit
// denials: the first few say what was refused; millions more add nothing.
const MaxDenialsPerPID = 16

// OpenTriage opens the sources and reads the audit logs: first the PIDs
// that can belong to units (the journal's index of _PID values; or, for
// export and JSON files, one pass reading five fields), then the denials
// of those PIDs alone, filtered on raw lines before
// parsing, so that millions of denials of other processes cost a byte
// scan and no memory.
func OpenTriage(in TriageInput) (*TriageEvidence, error) {
	t := &TriageEvidence{in: in, src: in.Sources, unitDir: in.UnitDir, cleanup: func() {}}
	var layout Layout
	if in.Sources.Bundle != "" {
		dir, cleanup, _, err := OpenBundle(in.Sources.Bundle)
		if err != nil {
			return nil, err
		}
		t.cleanup = cleanup
		t.src.Bundle = dir
		t.names = bundleNames{dir, in.Sources.Bundle}
		layout = Layout(dir)
		if t.unitDir == "" {
			t.unitDir = layout.UnitsDir()
		}
		if b, err := ReadSmallFile(layout.HostFile()); err == nil {
			t.Host = ParseHostInfo(b)
		}
	} else if in.Live != nil {
		t.Host = in.Live.Host()
	}
	auditPaths := in.Sources.AuditLogs
	if len(auditPaths) == 0 && layout != "" {
		if st, err := os.Stat(layout.AuditDir()); err == nil && st.IsDir() {
			auditPaths = []string{layout.AuditDir()}
		}
	}
	if len(auditPaths) == 0 && in.Live != nil {
		auditPaths = []string{DefaultAuditLog}
	}
	var files []string
	for _, p := range auditPaths {
		fs, err := AuditFiles(p)
		if err != nil {
			t.Missing = append(t.Missing, "audit log: "+err.Error())
			continue
		}
		files = append(files, fs...)
	}
	t.auditFiles = files
	if len(files) == 0 || t.Indexed() {
		return t, nil // Runs reads the audit logs when it knows which processes are the units'
	}
	unitPID := map[int]bool{}
	ScanFields(t.src, in.Query, in.Live, []string{"_SYSTEMD_UNIT", "_PID", "_TRANSPORT", "_HOSTNAME", "_MACHINE_ID"}, func(e *Entry) {
		if u := e.Get("_SYSTEMD_UNIT"); u != "" && u != "init.scope" {
			if p := e.PID(); p > 1 {
				unitPID[p] = true
			}
		}
	})
	t.readDenials(unitPID, in.Query.Since, func(a AuditEvent) { t.Denials = append(t.Denials, a) })
	return t, nil
}

// readDenials reads the audit logs' records of the units' processes
// (unitPID), at most MaxDenialsPerPID of each, and hands them to keep;
// the rest is counted (Foreign, Dropped) at byte speed, never parsed.
// Records before since are not read (rotated files before it not opened).
func (t *TriageEvidence) readDenials(unitPID map[int]bool, since time.Time, keep func(AuditEvent)) {
	perPID := map[int]int{}
	for _, w := range ReadAuditLogsFunc(t.auditFiles, t.denialWindow(unitPID, perPID, since), func(a AuditEvent) {
		p := a.PID()
		switch {
		case !unitPID[p]:
			t.Foreign++
		case perPID[p] < MaxDenialsPerPID:
			perPID[p]++
			keep(a)
		default:
			t.Dropped++
		}
	}) {
		t.Missing = append(t.Missing, w.String())
	}
}

// denialWindow is the audit window of the triage that parses only the
// records of the units' processes, and of each at most MaxDenialsPerPID.
func (t *TriageEvidence) denialWindow(unitPID map[int]bool, perPID map[int]int, since time.Time) AuditWindow {
	return AuditWindow{Since: since, Until: t.in.Query.Until, PID: func(p int) bool {
		switch {
		case !unitPID[p]:
			t.Foreign++
			return false
		case perPID[p] >= MaxDenialsPerPID:
			t.Dropped++
			return false
		}
		return true
	}}
}

// Scan streams the journal's entries of the window, in time order, and
// returns what could not be read.
func (t *TriageEvidence) Scan(fn func(*Entry)) []Warning {
	ws := Scan(t.src, t.in.Query, t.in.Live, fn)
	t.names.warnings(ws)
	t.names.texts(t.Missing)
	return ws
}

// Config is a unit's configuration on a host (see UnitConfigs).
func (t *TriageEvidence) Config(host, unit string) *UnitConfig {
	c, k := &t.configs, [2]string{host, unit}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cfg := c.held[k]; cfg != nil || c.none[k] {
		return cfg
	}
	cfg := UnitConfigs{Dir: t.unitDir, Live: t.in.Live}.Config(host, unit)
	switch {
	case cfg == nil:
		if len(c.none) >= configsNone || c.none == nil {
			c.none = map[[2]string]bool{}
		}
		c.none[k] = true
	default:
		if len(c.held) >= configsHeld || c.held == nil {
			c.held = map[[2]string]*UnitConfig{}
		}
		c.held[k] = cfg
	}
	return cfg
}

// UnitConfigs is where units' configurations are found when the evidence
// does not carry them: a folder of NAME.show and NAME.cat (or HOST/NAME.*),
// else the live host.
type UnitConfigs struct {
	Dir  string
	Live LiveHost
}

// Config is a unit's configuration on a host: from the folder (per host
// first), else from the live host; nil when there is none.
func (u UnitConfigs) Config(host, unit string) *UnitConfig {
	if u.Dir != "" {
		for _, dir := range []string{filepath.Join(u.Dir, host), u.Dir} {
			if cfg := LoadUnitFolder(dir, unit); cfg != nil {
				return cfg
			}
		}
		return nil
	}
	if u.Live != nil {
		if cfg, _, err := u.Live.UnitConfig(unit); err == nil {
			return cfg
		}
	}
	return nil
}

// Close removes what opening the bundle unpacked.
func (t *TriageEvidence) Close() { t.cleanup() }

// LoadUnitFolder reads DIR/UNIT.show (and .cat) as a bundle's units/ holds
// them; nil when there is no .show.
func LoadUnitFolder(dir, unit string) *UnitConfig {
	b, err := ReadSmallFile(filepath.Join(dir, unit+".show"))
	if err != nil {
		return nil
	}
	props, err := ParseShow(strings.NewReader(string(b)))
	if err != nil && !errors.Is(err, ErrPartialShow) {
		return nil
	}
	cfg := &UnitConfig{Name: unit, Props: props}
	if c, err := ReadSmallFile(filepath.Join(dir, unit+".cat")); err == nil {
		cfg.Cat = string(c)
		cfg.Settings, cfg.Files, _ = ParseCat(strings.NewReader(cfg.Cat))
	}
	return cfg
}
