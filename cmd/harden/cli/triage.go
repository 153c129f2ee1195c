package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
)

// TriageOptions are the dependencies and flags of `harden triage`.
type TriageOptions struct {
	IO   *IOStreams
	Live func() journal.LiveHost
	Now  func() time.Time

	evidenceFlags
	Output string
}

// NewCmdTriage builds `harden triage`.
func NewCmdTriage(f *Factory, runF func(*TriageOptions) error) *cobra.Command {
	opts := &TriageOptions{IO: f.IO, Live: f.Live, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "triage",
		Short: "List every unit that failed or was denied something, worst first",
		Long: `Explain, one line each, every unit that failed or was refused something by the
kernel (seccomp kills and denials of running units included) in the window:
unit, when, verdict, directive, relaxation, and the hosts where the same
answer holds. Each source is read once. --output json prints an array of the
objects harden why prints.

With a journal-remote folder (--directory) the units' configuration is not in
the journal: give it with --unit-dir DIR (files NAME.show and NAME.cat, as in a
bundle's units/ folder, or per host in DIR/HOST/).

Exit status: 0 no failure caused by the sandbox, 1 findings reported, 2 usage
or evidence error (also when the journal could be read only in part).`,
		Example: `  harden triage --since -2h
  harden triage --directory /var/log/journal/remote --unit-dir ./units --host web1 --host web2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return triageRun(opts)
		},
	}
	fl := cmd.Flags()
	opts.register(fl, "default: 24 hours ago on a live host", true)
	fl.StringVarP(&opts.Output, "output", "o", "text", "output `FORMAT`: text or json")
	return cmd
}

func triageRun(opts *TriageOptions) error {
	if err := checkOutput(opts.Output); err != nil {
		return err
	}
	offline := opts.offline()
	var live journal.LiveHost
	if !offline {
		if live = opts.Live(); live == nil {
			return withHints(errors.New("systemd is not running here, so there is no live journal to read"),
				"triage evidence copied from hosts: --bundle, --directory (journal-remote output) or --file")
		}
	}
	now := opts.Now()
	since, until, err := opts.window(now)
	if err != nil {
		return err
	}
	if since.IsZero() && live != nil {
		since = now.Add(-24 * time.Hour)
	}
	bundleDir := ""
	if opts.Bundle != "" {
		dir, cleanup, _, err := journal.OpenBundle(opts.Bundle)
		if err != nil {
			return err
		}
		defer cleanup()
		bundleDir = dir
	}
	src := opts.sources()
	src.Bundle = bundleDir
	q := journal.Query{Since: since, Until: until, Hosts: opts.Hosts}
	unitsDir := opts.Units
	if unitsDir == "" && bundleDir != "" {
		unitsDir = filepath.Join(bundleDir, "units")
	}
	var host journal.HostInfo
	if bundleDir != "" {
		if b, err := journal.ReadSmallFile(filepath.Join(bundleDir, "host.txt")); err == nil {
			host = journal.ParseHostInfo(b)
		}
	} else if live != nil {
		host = live.Host()
	}
	configs := func(h, unit string) *journal.UnitConfig {
		if unitsDir != "" {
			for _, dir := range []string{filepath.Join(unitsDir, h), unitsDir} {
				if cfg := loadUnitFiles(dir, unit); cfg != nil {
					return cfg
				}
			}
			return nil
		}
		if live != nil {
			if cfg, _, err := live.UnitConfig(unit); err == nil {
				return cfg
			}
		}
		return nil
	}
	// The audit log first (its denials, indexed by PID, at most a few per
	// process), then the journal streamed through once.
	auditPaths := opts.AuditLogs
	if len(auditPaths) == 0 && bundleDir != "" && isDirPath(filepath.Join(bundleDir, "audit")) {
		auditPaths = []string{filepath.Join(bundleDir, "audit")}
	}
	if len(auditPaths) == 0 && live != nil {
		auditPaths = []string{journal.DefaultAuditLog}
	}
	var missing []string
	var files []string
	for _, p := range auditPaths {
		fs, err := journal.AuditFiles(p)
		if err != nil {
			missing = append(missing, "audit log: "+err.Error())
			continue
		}
		files = append(files, fs...)
	}
	// The PIDs that belong to units: an audit denial of any other process
	// cannot be attributed, and with millions of them keeping them all
	// would cost gigabytes. This pass keeps nothing else.
	unitPID := map[int]bool{}
	if len(files) > 0 {
		journal.ScanFields(src, q, live, []string{"_SYSTEMD_UNIT", "_PID", "_TRANSPORT", "_HOSTNAME", "_MACHINE_ID"}, func(e *journal.Entry) {
			if u := e.Get("_SYSTEMD_UNIT"); u != "" && u != "init.scope" {
				if p := e.PID(); p > 1 {
					unitPID[p] = true
				}
			}
		})
	}
	var denials []journal.AuditEvent
	perPID := map[int]int{}
	dropped, foreign := 0, 0
	// The PID filter runs on raw lines, before parsing: on a log with
	// millions of denials of other processes, those cost a byte scan.
	win := journal.AuditWindow{Since: since, Until: until, PID: func(p int) bool {
		switch {
		case !unitPID[p]:
			foreign++
			return false
		case perPID[p] >= maxDenialsPerPID:
			dropped++
			return false
		}
		return true
	}}
	for _, w := range journal.ReadAuditLogsFunc(files, win, func(a journal.AuditEvent) {
		p := a.PID()
		switch {
		case !unitPID[p]:
			foreign++
		case perPID[p] < maxDenialsPerPID:
			perPID[p]++
			denials = append(denials, a)
		default:
			dropped++
		}
	}) {
		missing = append(missing, w.String())
	}
	// Reading a large journal allocates far more than it keeps: a soft
	// limit makes the collector return that memory sooner.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(96 << 20)
	}
	t := diagnose.NewTriageStream(denials, configs, host)
	n := 0
	scanWarns := journal.Scan(src, q, live, func(e *journal.Entry) { n++; t.Add(e) })
	for _, w := range scanWarns {
		missing = append(missing, w.String())
	}
	if n == 0 && len(denials) == 0 {
		if foreign > 0 {
			return withHints(fmt.Errorf("no journal entries in the window, so none of the %d audit records read can be given to a unit", foreign),
				"add the journal of the same host and window: --directory, --file or --bundle")
		}
		return withHints(errors.New("no journal entries and no audit records in the window"), "widen it with --since, or check the sources' paths and permissions")
	}
	reps := t.Finish()
	if dropped > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "harden: %d further audit records of processes already denied %d times were counted, not kept\n", dropped, maxDenialsPerPID)
	}
	if foreign > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "harden: %d audit records of processes no unit in the journal owns were skipped\n", foreign)
	}
	ev := &journal.Evidence{Missing: missing}
	for _, m := range ev.Missing {
		fmt.Fprintf(opts.IO.ErrOut, "harden: missing evidence: %s\n", m)
	}
	if opts.Output == "json" {
		out := make([]*diagnose.Report, len(reps))
		for i, r := range reps {
			out[i] = r.Sanitized()
			out[i].Version = version()
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if err := diagnose.WriteTriageText(opts.IO.Out, reps, diagnose.Colors{Enabled: opts.IO.ColorEnabled()}); err != nil {
		return err
	}
	for _, r := range reps {
		if r.Verdict == diagnose.VerdictSandbox {
			return exitWith{ExitFindings}
		}
	}
	if journal.Incomplete(scanWarns) {
		// What could not be read may hold the failure: never "nothing
		// failed" on a partly read journal.
		return withHints(errors.New("the journal could not be read whole, so units that failed in the unread part are not listed"),
			"the warnings above say what was not read; repair or re-export the journal (journalctl -o export)")
	}
	return nil
}

// maxDenialsPerPID bounds what triage keeps of one process's audit
// denials: the first few say what was refused; millions more add nothing.
const maxDenialsPerPID = 16

func isDirPath(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// loadUnitFiles reads DIR/UNIT.show (and .cat) as a bundle holds them.
func loadUnitFiles(dir, unit string) *journal.UnitConfig {
	b, err := journal.ReadSmallFile(filepath.Join(dir, unit+".show"))
	if err != nil {
		return nil
	}
	props, err := journal.ParseShow(strings.NewReader(string(b)))
	if err != nil && !errors.Is(err, journal.ErrPartialShow) {
		return nil
	}
	cfg := &journal.UnitConfig{Name: unit, Props: props}
	if c, err := journal.ReadSmallFile(filepath.Join(dir, unit+".cat")); err == nil {
		cfg.Cat = string(c)
		cfg.Settings, cfg.Files, _ = journal.ParseCat(strings.NewReader(cfg.Cat))
	}
	return cfg
}
