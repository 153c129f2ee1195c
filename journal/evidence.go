package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Evidence is everything read for one question.
type Evidence struct {
	Entries []Entry      // journal entries matching the query, oldest first
	Audit   []AuditEvent // audit events (audit.log and the journal's copy), oldest first
	Unit    *UnitConfig  // nil when no configuration could be read
	Host    HostInfo
	// Warnings are problems with sources that were read; Missing says which
	// evidence could not be had at all and how to get it.
	Warnings []Warning
	Missing  []string
}

// HostInfo is what is known of the machine the evidence comes from.
type HostInfo struct {
	SystemdVersion int    // 0 when unknown
	SystemdBuild   string // e.g. "252.39-1~deb12u2"
	// Virtualization is what systemd-detect-virt says ("systemd-nspawn",
	// "docker", "kvm", "none"), "" when unknown.
	Virtualization string
	// Features is systemd's compile-time feature list ("+PAM +AUDIT …
	// -BPF_FRAMEWORK …"), "" when unknown.
	Features string
	Kernel   string
	Arch     string // uname machine, e.g. x86_64
	Uname    string // the uname -a line, when known
	Raw      string // host.txt as read
	// SyscallGroups are the running systemd's @group sets (live hosts
	// only); nil means the tables for SystemdVersion are used.
	SyscallGroups map[string]map[string]bool
}

// Sources says where to read evidence from. With Bundle set, everything
// comes from the bundle and nothing from the live host.
type Sources struct {
	Bundle    string   // folder in the bundle format
	Directory string   // journal directory (journald or journal-remote output)
	Files     []string // journal files: .journal, export or JSON
	AuditLogs []string // audit log files or folders
	// UnitShow and UnitCat override the unit configuration source (files
	// holding systemctl show / systemctl cat output).
	UnitShow, UnitCat string
	// Heard are audit events received as the kernel emitted them (an
	// AuditStream kept while tune or tighten runs): those in the run's
	// window join the audit log's, which auditd may not have written yet.
	Heard []AuditEvent
}

// Collect reads the evidence for q from src. It only fails when nothing at
// all can be read; otherwise every problem becomes a Warning or a Missing
// sentence and the rest is returned.
func Collect(src Sources, q Query, live LiveHost) (*Evidence, error) {
	ev := &Evidence{}
	if src.Bundle != "" {
		if err := collectBundle(ev, src.Bundle, q); err != nil {
			return nil, err
		}
	} else {
		if live != nil && src.UnitShow == "" {
			live = prefetch(live, q.Unit)
		}
		collectJournal(ev, src, q, live)
		win := auditWindow(ev.Entries, q)
		collectAudit(ev, src.AuditLogs, win, live)
		var heard []AuditEvent
		for _, a := range src.Heard {
			if win.contains(a.Time) {
				heard = append(heard, a)
			}
		}
		ev.Audit = MergeAudit(ev.Audit, heard)
		if q.Unit != "" {
			collectUnit(ev, src, q.Unit, live)
		}
		if live != nil && src.UnitShow == "" {
			ev.Host = live.Host()
		}
	}
	ev.Audit = MergeAudit(ev.Audit, AuditFromJournal(ev.Entries))
	if len(ev.Entries) == 0 && len(ev.Audit) == 0 && ev.Unit == nil {
		what := q.Unit
		if what == "" {
			what = "the window"
		}
		return ev, fmt.Errorf("no evidence could be read for %s", what)
	}
	return ev, nil
}

// LiveHost is the running system: its journal, audit log and unit
// properties. It is an interface so tests can stand in for a host.
type LiveHost interface {
	UnitConfig(unit string) (*UnitConfig, []Warning, error)
	Host() HostInfo
}

// prefetch asks the live host for the unit's configuration and for its
// own description at once, while the journal and audit log are read: each
// is a subprocess or D-Bus round trips (systemctl show, systemd-analyze
// syscall-filter), some 30 ms of a live why's 50 when done in turn.
func prefetch(live LiveHost, unit string) LiveHost {
	hostc := make(chan HostInfo, 1)
	go func() { hostc <- live.Host() }()
	p := &prefetched{LiveHost: live, unit: unit, host: sync.OnceValue(func() HostInfo { return <-hostc })}
	if unit != "" {
		unitc := make(chan unitAnswer, 1)
		go func() {
			cfg, ws, err := live.UnitConfig(unit)
			unitc <- unitAnswer{cfg, ws, err}
		}()
		p.config = sync.OnceValue(func() unitAnswer { return <-unitc })
	}
	return p
}

// prefetched is a LiveHost whose answers for its unit and itself were
// asked for ahead (prefetch).
type prefetched struct {
	LiveHost
	unit   string
	host   func() HostInfo
	config func() unitAnswer
}

type unitAnswer struct {
	cfg   *UnitConfig
	warns []Warning
	err   error
}

func (p *prefetched) Host() HostInfo { return p.host() }

func (p *prefetched) UnitConfig(unit string) (*UnitConfig, []Warning, error) {
	if unit != p.unit || p.config == nil {
		return p.LiveHost.UnitConfig(unit)
	}
	a := p.config()
	return a.cfg, a.warns, a.err
}

func collectBundle(ev *Evidence, bundle string, q Query) error {
	dir, cleanup, warns, err := OpenBundle(bundle)
	if err != nil {
		return err
	}
	defer cleanup()
	defer func() {
		names := bundleNames{dir, bundle}
		names.warnings(ev.Warnings)
		names.texts(ev.Missing)
	}()
	ev.Warnings = append(ev.Warnings, warns...)
	found := false
	layout := Layout(dir)
	for _, p := range layout.JournalFiles() {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		found = true
		es, ws, err := readForQuery(p, q)
		if err != nil {
			ev.Warnings = append(ev.Warnings, Warning{Source: p, Text: err.Error(), Incomplete: true})
		}
		ev.Entries = append(ev.Entries, es...)
		ev.Warnings = append(ev.Warnings, ws...)
	}
	if jd := layout.JournalDir(); isDir(jd) {
		found = true
		es, ws, err := ReadJournal(JournalSpec{Dir: jd}, q)
		if err != nil {
			ev.Warnings = append(ev.Warnings, Warning{Source: jd, Text: err.Error(), Incomplete: true})
		}
		ev.Entries = append(ev.Entries, es...)
		ev.Warnings = append(ev.Warnings, ws...)
	}
	if !found {
		ev.Missing = append(ev.Missing, "the bundle has no journal (journal.export, journal.json or journal/): collect it with `journalctl -o export > journal.export`")
	}
	if ad := layout.AuditDir(); isDir(ad) {
		collectAudit(ev, []string{ad}, auditWindow(ev.Entries, q), nil)
	} else {
		ev.Missing = append(ev.Missing, "the bundle has no audit/ folder: seccomp kills are still visible in the journal, but SYSCALL and AVC records only in /var/log/audit/audit.log")
	}
	if q.Unit != "" {
		collectUnit(ev, Sources{
			UnitShow: layout.UnitShow(q.Unit),
			UnitCat:  layout.UnitCat(q.Unit),
		}, q.Unit, nil)
	}
	if b, err := ReadSmallFile(layout.HostFile()); err == nil {
		ev.Host = ParseHostInfo(b)
	}
	return nil
}

func collectJournal(ev *Evidence, src Sources, q Query, live LiveHost) {
	var binaries []string
	for _, f := range src.Files {
		if isJournalFile(f) {
			binaries = append(binaries, f)
			continue
		}
		es, ws, err := readForQuery(f, q)
		if err != nil {
			ev.Warnings = append(ev.Warnings, Warning{Source: f, Text: err.Error(), Incomplete: true})
		}
		ev.Entries = append(ev.Entries, es...)
		ev.Warnings = append(ev.Warnings, ws...)
	}
	var spec *JournalSpec
	switch {
	case len(binaries) > 0:
		spec = &JournalSpec{Files: binaries}
	case src.Directory != "":
		spec = &JournalSpec{Dir: src.Directory}
	case len(src.Files) == 0 && live != nil:
		spec = &JournalSpec{}
	}
	if spec == nil {
		return
	}
	es, ws, err := ReadJournal(*spec, q)
	if err != nil {
		ev.Missing = append(ev.Missing, "journal: "+err.Error())
	}
	ev.Entries = append(ev.Entries, es...)
	ev.Warnings = append(ev.Warnings, ws...)
}

// DefaultAuditLog is where auditd writes.
const DefaultAuditLog = "/var/log/audit"

// auditWindow is the part of the audit log worth reading: the span of the
// unit's journal entries (the journal is read first), with a margin, or the
// query's own window.
func auditWindow(entries []Entry, q Query) AuditWindow {
	win := AuditWindow{Since: q.Since, Until: q.Until}
	if q.Unit == "" {
		return win
	}
	var first, last time.Time
	for i := range entries {
		e := &entries[i]
		if e.IsKernel() || e.Time.IsZero() {
			continue
		}
		if first.IsZero() || e.Time.Before(first) {
			first = e.Time
		}
		if e.Time.After(last) {
			last = e.Time
		}
	}
	if first.IsZero() {
		return win
	}
	const margin = 30 * time.Second
	if win.Since.IsZero() || first.Add(-margin).After(win.Since) {
		win.Since = first.Add(-margin)
	}
	if win.Until.IsZero() || last.Add(margin).Before(win.Until) {
		win.Until = last.Add(margin)
	}
	return win
}

func collectAudit(ev *Evidence, paths []string, win AuditWindow, live LiveHost) {
	if len(paths) == 0 {
		if live == nil {
			return
		}
		paths = []string{DefaultAuditLog}
	}
	var files []string
	for _, p := range paths {
		fs, err := AuditFiles(p)
		if err != nil {
			ev.Missing = append(ev.Missing, "audit log: "+unreadable(err, p)+"; seccomp kills are still visible through the journal's audit entries")
			continue
		}
		for _, f := range fs {
			if fh, err := openRegular(f); err != nil {
				ev.Missing = append(ev.Missing, "audit log: "+unreadable(err, f))
			} else {
				fh.Close()
			}
		}
		files = append(files, fs...)
	}
	evs, ws := ReadAuditLogs(files, win)
	ev.Audit = append(ev.Audit, evs...)
	ev.Warnings = append(ev.Warnings, ws...)
}

func collectUnit(ev *Evidence, src Sources, unitName string, live LiveHost) {
	if src.UnitShow != "" {
		f, err := openRegular(src.UnitShow)
		if err != nil {
			ev.Missing = append(ev.Missing, fmt.Sprintf("unit configuration: %s; without it no directive can be evaluated (save `systemctl show %s` there)", unreadable(err, src.UnitShow), unitName))
			return
		}
		props, err := ParseShow(f)
		f.Close()
		if errors.Is(err, ErrPartialShow) {
			ev.Warnings = append(ev.Warnings, Warning{Source: src.UnitShow, Text: err.Error()})
			err = nil
		}
		if err != nil {
			ev.Missing = append(ev.Missing, fmt.Sprintf("unit configuration: %s: %v", src.UnitShow, err))
			return
		}
		cfg := &UnitConfig{Name: unitName, Props: props}
		if src.UnitCat != "" {
			if b, err := ReadSmallFile(src.UnitCat); err == nil {
				cfg.Cat = string(b)
				cfg.Settings, cfg.Files, err = ParseCat(bytes.NewReader(b))
				if err != nil {
					ev.Warnings = append(ev.Warnings, Warning{Source: src.UnitCat, Text: err.Error()})
				}
			} else {
				ev.Missing = append(ev.Missing, fmt.Sprintf("unit files: no `systemctl cat %s` output, so settings are named without file:line", unitName))
			}
		}
		ev.Unit = cfg
		return
	}
	if live == nil {
		ev.Missing = append(ev.Missing, fmt.Sprintf("unit configuration: none given (--bundle with units/%s.show, or run on the host)", unitName))
		return
	}
	cfg, ws, err := live.UnitConfig(unitName)
	ev.Warnings = append(ev.Warnings, ws...)
	if err != nil {
		ev.Missing = append(ev.Missing, "unit configuration: "+err.Error())
		return
	}
	ev.Unit = cfg
}

// readForQuery reads an export or JSON file for q: for one unit, only the
// runs that matter and what is near them (runKeeper), so memory does not
// grow with the file.
func readForQuery(p string, q Query) ([]Entry, []Warning, error) {
	if q.Unit == "" {
		return readJournalFile(p, q.Matches)
	}
	k := newRunKeeper(q)
	_, ws, err := readJournalFile(p, k.keep)
	es, kw := k.entries(p)
	return es, append(ws, kw...), err
}

func readJournalFile(p string, keep func(*Entry) bool) ([]Entry, []Warning, error) {
	return readJournalFileFields(p, nil, keep)
}

// readJournalFileFields is readJournalFile keeping only the fields of only
// (see fieldSet) of an export file; nil keeps all. A JSON file's entries
// are kept whole.
func readJournalFileFields(p string, only map[string]string, keep func(*Entry) bool) ([]Entry, []Warning, error) {
	f, err := openRegular(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%s", unreadable(err, "the journal file"))
	}
	defer f.Close()
	br := bufio.NewReader(f)
	head, _ := br.Peek(64)
	if bytes.HasPrefix(bytes.TrimLeft(head, "\x1e \t\r\n"), []byte("{")) {
		es, ws := ReadJSON(br, p, keep)
		return es, ws, nil
	}
	es, ws := readExport(br, p, only, keep)
	return es, ws, nil
}

// isJournalFile recognises journald's binary format by its signature.
func isJournalFile(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return journalFileName(p)
	}
	defer f.Close()
	sig := make([]byte, 8)
	_, err = io.ReadFull(f, sig)
	return err == nil && string(sig) == "LPKSHHRH"
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

var systemdVersionRe = regexp.MustCompile(`^systemd (\d+)(?: \(([^)]*)\))?`)

// ParseHostInfo reads host.txt: `systemctl --version` then `uname -a`.
func ParseHostInfo(b []byte) HostInfo {
	h := HostInfo{Raw: string(b)}
	for _, line := range strings.Split(string(b), "\n") {
		if m := systemdVersionRe.FindStringSubmatch(line); m != nil {
			h.SystemdVersion, _ = strconv.Atoi(m[1])
			h.SystemdBuild = m[2]
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "virtualization: "); ok {
			h.Virtualization = strings.TrimSpace(v)
		}
		if t := strings.TrimSpace(line); h.Features == "" && (strings.HasPrefix(t, "+") || strings.HasPrefix(t, "-")) && strings.Contains(t, "SECCOMP") {
			h.Features = t
		}
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "Linux" {
			h.Kernel = f[2]
			if len(f) >= 2 {
				h.Arch = f[len(f)-2]
				if h.Arch == "GNU/Linux" || h.Arch == "unknown" {
					h.Arch = ""
				}
				for _, a := range []string{"x86_64", "aarch64", "i686", "i386", "armv7l", "ppc64le", "s390x", "riscv64"} {
					if strings.Contains(line, " "+a+" ") {
						h.Arch = a
					}
				}
			}
		}
	}
	return h
}

// WriteBundle writes evidence in the bundle format: journal.export,
// audit/audit.log (the raw records of the events read from audit logs),
// units/NAME.show and NAME.cat, host.txt, and MISSING.txt listing what
// could not be collected.
func WriteBundle(dir string, ev *Evidence, units []*UnitConfig) error {
	layout := Layout(dir)
	if err := os.MkdirAll(layout.UnitsDir(), 0o755); err != nil {
		return err
	}
	f, err := os.Create(layout.JournalFiles()[0])
	if err != nil {
		return err
	}
	if err := WriteExport(f, ev.Entries); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	var audit strings.Builder
	for _, a := range ev.Audit {
		if a.Source != "audit.log" {
			continue // the journal's copies travel in journal.export
		}
		for _, r := range a.Records {
			fmt.Fprintf(&audit, "type=%s msg=%s\n", r.Type, r.Text)
		}
	}
	if audit.Len() > 0 {
		if err := os.MkdirAll(layout.AuditDir(), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(layout.AuditDir(), "audit.log"), []byte(audit.String()), 0o644); err != nil {
			return err
		}
	}
	for _, u := range units {
		if u == nil {
			continue
		}
		keys := make([]string, 0, len(u.Props))
		for k := range u.Props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var show strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&show, "%s=%s\n", k, u.Props[k])
		}
		if err := os.WriteFile(layout.UnitShow(u.Name), []byte(show.String()), 0o644); err != nil {
			return err
		}
		if u.Cat != "" {
			if err := os.WriteFile(layout.UnitCat(u.Name), []byte(u.Cat), 0o644); err != nil {
				return err
			}
		}
	}
	host := ev.Host.Raw
	if host == "" && ev.Host.SystemdVersion > 0 {
		host = fmt.Sprintf("systemd %d (%s)\n%s\n%s\n", ev.Host.SystemdVersion, ev.Host.SystemdBuild, ev.Host.Features, ev.Host.Uname)
		if ev.Host.Virtualization != "" {
			host += "virtualization: " + ev.Host.Virtualization + "\n"
		}
	}
	if host != "" {
		if err := os.WriteFile(layout.HostFile(), []byte(host), 0o644); err != nil {
			return err
		}
	}
	var missing []string
	missing = append(missing, ev.Missing...)
	for _, w := range ev.Warnings {
		missing = append(missing, w.String())
	}
	if len(missing) > 0 {
		return os.WriteFile(filepath.Join(dir, "MISSING.txt"), []byte(strings.Join(missing, "\n")+"\n"), 0o644)
	}
	return nil
}

// Scan hands the journal entries of src matching q to fn as they are read
// (export and JSON files in file order, journal files and folders oldest
// first), keeping nothing, and returns what could not be read (Incomplete
// where a source was only partly read).
func Scan(src Sources, q Query, live LiveHost, fn func(*Entry)) []Warning {
	return ScanFields(src, q, live, nil, fn)
}

// ScanFields is Scan reading only the named fields of journal files,
// folders and export files (JSON files are read whole); nil reads all.
func ScanFields(src Sources, q Query, live LiveHost, fields []string, fn func(*Entry)) []Warning {
	var missing []Warning
	var only map[string]string
	if fields != nil {
		only = fieldSet(fields)
	}
	files := src.Files
	dir := src.Directory
	if src.Bundle != "" {
		for _, p := range Layout(src.Bundle).JournalFiles() {
			if fileExists(p) {
				files = append(files, p)
			}
		}
		if jd := Layout(src.Bundle).JournalDir(); isDir(jd) {
			dir = jd
		}
	}
	var binaries []string
	for _, f := range files {
		if isJournalFile(f) {
			binaries = append(binaries, f)
			continue
		}
		if ws, err := scanFile(f, only, q, fn); err != nil {
			missing = append(missing, Warning{Text: err.Error(), Incomplete: true})
		} else {
			missing = append(missing, ws...)
		}
	}
	var spec *JournalSpec
	switch {
	case len(binaries) > 0:
		spec = &JournalSpec{Files: binaries}
	case dir != "":
		spec = &JournalSpec{Dir: dir}
	case len(files) == 0 && live != nil:
		spec = &JournalSpec{}
	}
	if spec != nil {
		spec.Fields = fields
		ws, err := ScanJournal(*spec, q, func(e *Entry) { fn(e) })
		if err != nil {
			missing = append(missing, Warning{Source: "journal", Text: err.Error(), Incomplete: true})
		}
		missing = append(missing, ws...)
	}
	return missing
}

// scanFile hands fn the entries of an export or JSON file that q
// matches, in order, read (with the fields of only) on another core: the
// reading and the triage of a 1.2 GB export each took half of its 14 s.
// Entries cross in batches, a few at a time, so memory stays bounded.
func scanFile(p string, only map[string]string, q Query, fn func(*Entry)) ([]Warning, error) {
	const batchSize, batchesAhead = 256, 4
	batches := make(chan []Entry, batchesAhead)
	var (
		ws  []Warning
		err error
	)
	go func() {
		defer close(batches)
		batch := make([]Entry, 0, batchSize)
		_, ws, err = readJournalFileFields(p, only, func(e *Entry) bool {
			if q.Matches(e) {
				if batch = append(batch, *e); len(batch) == batchSize {
					batches <- batch
					batch = make([]Entry, 0, batchSize)
				}
			}
			return false
		})
		if len(batch) > 0 {
			batches <- batch
		}
	}()
	for batch := range batches {
		for i := range batch {
			fn(&batch[i])
		}
	}
	return ws, err
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Lacks says whether systemd is known to have been built without a
// feature ("-BPF_FRAMEWORK"); an unknown feature list lacks nothing.
func (h HostInfo) Lacks(feature string) bool {
	for _, f := range strings.Fields(h.Features) {
		if f == "-"+feature {
			return true
		}
	}
	return false
}
