package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
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
	var deaths sigsysDeaths
	ScanFields(t.src, in.Query, in.Live, []string{"_SYSTEMD_UNIT", "_PID", "_UID", "_TRANSPORT", "_HOSTNAME", "_MACHINE_ID", "UNIT", "MESSAGE_ID", "EXIT_CODE", "EXIT_STATUS"}, func(e *Entry) {
		if u := e.Get("_SYSTEMD_UNIT"); u != "" && u != "init.scope" {
			if p := e.PID(); p > 1 {
				unitPID[p] = true
			}
		}
		if IsSigsysDeath(e) && t.seccompFiltered(e.Host(), e.Get("UNIT")) {
			deaths = append(deaths, e.Time)
		}
	})
	deaths.sort()
	t.readDenials(unitPID, deaths, in.Query.Since, func(a AuditEvent) { t.Denials = append(t.Denials, a) })
	return t, nil
}

// readDenials reads the audit logs' records of the units' processes
// (unitPID) and of any process at a unit's SIGSYS death (deaths), at most
// MaxDenialsPerPID of each, and hands them to keep; the rest is counted
// (Foreign, Dropped) at byte speed, never parsed. Records before since
// are not read (rotated files before it not opened). The other processes'
// kills at a death are kept only where none of the units' processes was
// denied anything then (its first or last denial): there the run's own
// record is read already. It returns how many events of processes no unit
// owns it kept.
func (t *TriageEvidence) readDenials(unitPID map[int]bool, deaths sigsysDeaths, since time.Time, keep func(AuditEvent)) (atDeaths int) {
	perPID := map[int]int{}
	owned := map[int]deniedProcess{}
	atDeath := make([][]AuditEvent, len(deaths)) // kept when the pass is over
	for _, w := range ReadAuditLogsFunc(t.auditFiles, t.denialWindow(unitPID, deaths, perPID, owned, since), func(a AuditEvent) {
		p := a.PID()
		i := -1
		if !unitPID[p] {
			if i = deaths.at(a.Time); i < 0 {
				t.Foreign++
				return
			}
		}
		switch {
		case perPID[p] >= MaxDenialsPerPID:
			t.Dropped++
		case i >= 0:
			perPID[p]++
			atDeath[i] = append(atDeath[i], a)
		default:
			perPID[p]++
			keep(a)
		}
	}) {
		t.Missing = append(t.Missing, w.String())
	}
	var own sigsysDeaths
	for _, d := range owned {
		own = append(own, d.firstAt(), d.lastAt())
	}
	own.sort()
	for i, evs := range atDeath {
		if own.at(deaths[i]) >= 0 {
			t.Foreign += len(evs) // (read, and no run's)
			continue
		}
		for _, a := range evs {
			keep(a)
		}
		atDeaths += len(evs)
	}
	return atDeaths
}

// denialWindow is the audit window of the triage that parses only the
// records of the units' processes and of the moments of their SIGSYS
// deaths, and of each process at most MaxDenialsPerPID.
// owned gets the first and last denial of each of the units' processes.
func (t *TriageEvidence) denialWindow(unitPID map[int]bool, deaths sigsysDeaths, perPID map[int]int, owned map[int]deniedProcess, since time.Time) AuditWindow {
	perDeath := map[int]int{}
	return AuditWindow{Since: since, Until: t.in.Query.Until, PID: func(p int, line []byte) bool {
		if unitPID[p] && len(deaths) > 0 {
			if at, ok := lineTime(line); ok {
				owned[p] = owned[p].add(at)
			}
		}
		if !unitPID[p] {
			// Of a process no unit owns: only a SIGSYS kill at a unit's
			// SIGSYS death, and only the first few there.
			i := -1
			if len(deaths) > 0 {
				if at, ok := lineTime(line); ok {
					i = deaths.at(at)
				}
			}
			if i < 0 || perDeath[i] >= maxAtDeath || !sigsysKillLine(line) {
				t.Foreign++
				return false
			}
			perDeath[i]++
		}
		switch {
		case perPID[p] >= MaxDenialsPerPID:
			t.Dropped++
			return false
		}
		return true
	}}
}

// sigsysDeaths are the moments PID 1 reported a unit's process killed by
// SIGSYS (a seccomp kill), in order. A process killed at its first refused
// call often wrote nothing, so no journal line gives its PID, and its
// SECCOMP record was skipped with those of processes no unit owns: triage
// named no call where why, which reads every record of the run's time,
// named it (the real modprobe capture: no drop-in against
// SystemCallFilter=finit_module). The SIGSYS kills at these moments are
// read too, of units whose configuration sets a seccomp filter: the
// engine ties one to the run only when it is the one such kill then, of a
// call that filter refuses.
type sigsysDeaths []time.Time

// DeathSlack is how far from PID 1's report of a SIGSYS death the kernel's
// record of the kill may be: what triage reads at a death, and what the
// engine ties to it.
const DeathSlack = 2 * time.Second

// maxAtDeath bounds the kills of processes no unit owns read at one
// death: two processes killed then are already no answer (the engine ties
// none), and a storm of kills is not read whole. (The load set's 3,211
// deaths among 1.5 million other processes' denials: 8 took its peak
// from 66 to 87 MB.)
const maxAtDeath = 2

// sigsysKillLine: an audit log line is a SECCOMP record of a SIGSYS kill.
func sigsysKillLine(line []byte) bool {
	return bytes.HasPrefix(line, []byte("type=SECCOMP ")) && bytes.Contains(line, []byte(" sig=31 "))
}

func (d sigsysDeaths) sort() { slices.SortFunc(d, time.Time.Compare) }

// without are the deaths not within DeathSlack of any of times.
func (d sigsysDeaths) without(times []time.Time) sigsysDeaths {
	seen := sigsysDeaths(times)
	seen.sort()
	var out sigsysDeaths
	for _, t := range d {
		if seen.at(t) < 0 {
			out = append(out, t)
		}
	}
	return out
}

// at is the index of a death within DeathSlack of t, or -1.
func (d sigsysDeaths) at(t time.Time) int {
	i, _ := slices.BinarySearchFunc(d, t.Add(-DeathSlack), time.Time.Compare)
	if i < len(d) && !d[i].After(t.Add(DeathSlack)) {
		return i
	}
	return -1
}

// deniedAt are the first and last times the audit logs show each of the
// units' processes (owned) denied something: a death near one is the
// run's own record's, and other processes' kills are not read there (see
// sigsysDeaths.without).
func (t *TriageEvidence) deniedAt(logged map[int]deniedProcess, owned map[int]bool) []time.Time {
	var at []time.Time
	for p, d := range logged {
		if owned[p] {
			at = append(at, d.firstAt(), d.lastAt())
		}
	}
	return at
}

// seccompFiltered: the unit's configuration is known and sets a seccomp
// filter (whose refusals a kill at one of its deaths must fit: see
// sigsysDeaths).
func (t *TriageEvidence) seccompFiltered(host, unit string) bool {
	c := t.Config(host, unit)
	return c != nil && (c.Props["SystemCallFilter"] != "" || c.Props["SystemCallArchitectures"] != "")
}

// IsSigsysDeath reports whether e is PID 1's report of a unit's process killed
// by SIGSYS (status 31: a seccomp kill).
func IsSigsysDeath(e *Entry) bool {
	return e.Get("EXIT_STATUS") == "31" && (e.Get("EXIT_CODE") == "killed" || e.Get("EXIT_CODE") == "dumped") &&
		IsManagerLine(e, e.Get("UNIT"), MsgUnitProcessExit)
}

// Scan streams the journal's entries of the window, in time order, with
// the fields the diagnosis reads (leanFields), and returns what could not
// be read.
func (t *TriageEvidence) Scan(fn func(*Entry)) []Warning {
	ws := ScanFields(t.src, t.in.Query, t.in.Live, leanFields, fn)
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
