package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime/debug"
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
answer holds. --output json prints an array of the objects harden why prints.

Journal files (the live journal, a folder, journal-remote output) are read
through their indexes, so that the cost follows the failures, not the size of
the log: PID 1's failure messages, the kernel's audit and kernel entries and
the denied processes' lookups say which runs to read, and each is read by its
invocation ID. A service that runs on though it says it was refused something
is looked for in each unit's newest run on each host. Export and JSON files
have no index and are read whole, once.

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
	ev, err := journal.OpenTriage(journal.TriageInput{Sources: opts.sources(), Query: journal.Query{Since: since, Until: until, Hosts: opts.Hosts},
		Live: live, UnitDir: opts.Units})
	if err != nil {
		return err
	}
	defer ev.Close()
	// Reading a large journal allocates far more than it keeps (15–20 MB
	// live on the load set since the runs, denials and answers are held
	// compactly; 30 MB before): a soft limit makes the collector return
	// that memory sooner where more is live (a larger fleet). At 30 MB
	// live, below 80 MB the collector's time grew faster than the memory
	// fell; at 15–20 MB the heap stays under it.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(80 << 20)
	}
	t := diagnose.NewTriageStream(ev.Denials, ev.Config, ev.Host)
	if opts.Output != "json" {
		t.LinesOnly()
	}
	n := 0
	var scanWarns []journal.Warning
	if ev.Indexed() {
		scanWarns = t.ExplainRuns(ev.Runs)
	} else {
		scanWarns = ev.Scan(func(e *journal.Entry) { n++; t.Add(e) })
	}
	missing := ev.Missing
	for _, w := range scanWarns {
		missing = append(missing, w.String())
	}
	if n == 0 && !ev.JournalRead && len(ev.Denials) == 0 {
		if foreign := ev.Foreign; foreign > 0 {
			return withHints(fmt.Errorf("no journal entries in the window, so none of the %d audit records read can be given to a unit", foreign),
				"add the journal of the same host and window: --directory, --file or --bundle")
		}
		// What could not be read may be why nothing was.
		return withHints(errors.New("no journal entries and no audit records in the window"), append(missing, "widen it with --since, or check the sources' paths and permissions")...)
	}
	answers := t.Finish()
	defer answers.Close()
	if dropped := ev.Dropped + t.Dropped(); dropped > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "harden: %d further audit records of processes already denied %d times were counted, not kept\n", dropped, journal.MaxDenialsPerPID)
	}
	if ev.Foreign > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "harden: %d audit records of processes no unit in the journal owns were skipped\n", ev.Foreign)
	}
	for _, m := range missing {
		fmt.Fprintf(opts.IO.ErrOut, "harden: missing evidence: %s\n", m)
	}
	colors := diagnose.Colors{Enabled: opts.IO.ColorEnabled()}
	if opts.Output == "json" {
		err = writeTriage(opts.IO.Out, answers.All(), opts.Output, colors)
	} else {
		err = answers.WriteText(opts.IO.Out, colors)
	}
	if err != nil {
		return err
	}
	if answers.Sandbox() {
		return exitWith{ExitFindings}
	}
	if journal.Incomplete(scanWarns) {
		// What could not be read may hold the failure: never "nothing
		// failed" on a partly read journal.
		return withHints(errors.New("the journal could not be read whole, so units that failed in the unread part are not listed"),
			"the warnings above say what was not read; repair or re-export the journal (journalctl -o export)")
	}
	return nil
}

// writeTriage prints the reports: a line each, or a JSON array of the
// objects harden why prints, written one object at a time (40,000 reports
// are hundreds of megabytes of JSON; an encoder given the whole array
// would hold all of it).
func writeTriage(w io.Writer, reps iter.Seq[*diagnose.Report], format string, c diagnose.Colors) error {
	if format != "json" {
		return diagnose.WriteTriageText(w, reps, c)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("[")
	i := 0
	for r := range reps {
		s := r.Sanitized()
		s.Version = version()
		b, err := json.MarshalIndent(s, "  ", "  ")
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		i++
		bw.WriteString("\n  ")
		bw.Write(b)
	}
	if i > 0 {
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}
