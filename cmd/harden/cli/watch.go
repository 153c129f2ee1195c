package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
)

// WatchOptions are the dependencies and flags of `harden watch`.
type WatchOptions struct {
	IO   *IOStreams
	Live func() journal.LiveHost
	// Context ends the watch; nil = until SIGINT or SIGTERM.
	Context context.Context

	Units     []string
	Directory string
	UnitsDir  string
	NoNetlink bool
}

// NewCmdWatch builds `harden watch`.
func NewCmdWatch(f *Factory, runF func(*WatchOptions) error) *cobra.Command {
	opts := &WatchOptions{IO: f.IO, Live: f.Live}
	cmd := &cobra.Command{
		Use:   "watch UNIT...",
		Short: "Explain each failure of the units as it happens; print one drop-in at the end",
		Long: `Follow the journal (and the kernel's audit stream, when allowed) and explain
every failed run of the units as it happens, with the drop-in so far. On
Ctrl-C, print one consolidated minimal drop-in per unit for the session: the
loop for tuning a newly locked-down service. Nothing is changed on the host.

Exit status: 0 when stopped with Ctrl-C, 2 usage or evidence error.`,
		Example: `  harden watch my-web-app      # then, elsewhere: systemctl restart my-web-app`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Units = args
			if runF != nil {
				return runF(opts)
			}
			return watchRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Directory, "directory", "D", "", directoryHelp)
	fl.StringVar(&opts.UnitsDir, "unit-dir", "", unitDirHelp)
	fl.StringVar(&opts.UnitsDir, "units", "", "")
	fl.MarkDeprecated("units", "use --unit-dir")
	fl.BoolVar(&opts.NoNetlink, "no-netlink", false, "do not subscribe to the kernel's audit stream; use the journal's audit entries")
	return cmd
}

// watcher holds the session's state: the engine's stream (the same that
// triage runs over a whole journal) and the drop-in lines it produced.
type watcher struct {
	opts   *WatchOptions
	mu     sync.Mutex
	stream *diagnose.TriageStream
	dropIn map[string][]string // unit → consolidated lines
	order  []string
	// findings counts the failures the sandbox caused, with or without a
	// drop-in line to show for them.
	findings int
}

func watchRun(opts *WatchOptions) error {
	units := make([]string, 0, len(opts.Units))
	for _, u := range opts.Units {
		n, err := NormalizeUnit(u)
		if err != nil {
			return err
		}
		units = append(units, n)
	}
	var live journal.LiveHost
	spec := journal.JournalSpec{Dir: opts.Directory}
	if opts.Directory == "" {
		if live = opts.Live(); live == nil {
			return withHints(errors.New("systemd is not running here, so there is no journal to follow"), "follow a journal folder with --directory DIR")
		}
	}
	ctx := opts.Context
	if ctx == nil {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	var host journal.HostInfo
	if live != nil {
		host = live.Host()
	}
	w := &watcher{opts: opts, dropIn: map[string][]string{}, stream: diagnose.NewTriageStream(nil, journal.UnitConfigs{Dir: opts.UnitsDir, Live: live}.Config, host)}
	w.stream.Watch(units, w.report)
	if live != nil && !opts.NoNetlink {
		if st, err := journal.OpenAuditStream(); err == nil {
			go st.Run(ctx)
			go func() {
				for ev := range st.Events() {
					w.mu.Lock()
					w.stream.AddAudit(ev)
					w.mu.Unlock()
				}
			}()
			defer func() {
				fmt.Fprintf(opts.IO.ErrOut, "harden: audit stream: %d records received, %d events lost (gaps in the kernel's serial numbers, or a full queue), %d socket overflows\n", st.Received(), st.Lost(), st.Overflows())
			}()
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "harden: the kernel's audit stream is not available (%v): using the journal's audit entries\n", err)
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "harden: watching %s; Ctrl-C prints the drop-in for the session\n", strings.Join(units, ", "))
	err := journal.Follow(ctx, spec, units, func(e journal.Entry) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.stream.Add(&e)
	})
	w.mu.Lock()
	w.stream.Finish() // runs refused something that had not failed yet
	w.mu.Unlock()
	w.summary()
	return err
}

// report prints one explained run and adds its drop-in lines to the
// session's.
func (w *watcher) report(rep *diagnose.Report) {
	unit := rep.Unit
	out := w.opts.IO.Out
	fmt.Fprintf(out, "── %s %s\n", time.Now().Format("15:04:05"), unit)
	rep.WriteText(out, diagnose.Colors{Enabled: w.opts.IO.ColorEnabled()})
	if rep.Verdict == diagnose.VerdictSandbox {
		w.findings++
	}
	for _, l := range rep.DropIn() {
		if !contains(w.dropIn[unit], l) {
			if len(w.dropIn[unit]) == 0 {
				w.order = append(w.order, unit)
			}
			w.dropIn[unit] = append(w.dropIn[unit], l)
		}
	}
	if lines := w.dropIn[unit]; len(lines) > 0 {
		fmt.Fprintf(out, "\nDrop-in for %s so far:\n[Service]\n%s\n\n", unit, strings.Join(lines, "\n"))
	}
}

// summary prints the session's consolidated drop-ins.
func (w *watcher) summary() {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.opts.IO.Out
	if len(w.order) == 0 {
		// Count findings, not drop-in lines: a finding may come with no
		// relaxation (withheld, or only an experiment to run).
		if w.findings > 0 {
			fmt.Fprintf(out, "\nharden watch: %d failure(s) caused by the sandbox in this session, none with a drop-in to offer (see the findings above for why, and the experiments that decide)\n", w.findings)
			return
		}
		fmt.Fprintln(out, "\nharden watch: no failure caused by the sandbox in this session")
		return
	}
	sort.Strings(w.order)
	fmt.Fprintln(out, "\nConsolidated drop-ins for this session:")
	for _, u := range w.order {
		fmt.Fprintf(out, "\n# systemctl edit %s\n# (%s)\n[Service]\n%s\n", u,
			filepath.Join("/etc/systemd/system", u+".d", "override.conf"), strings.Join(w.dropIn[u], "\n"))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
