package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/tune"
)

// TuneOptions are the flags of `harden tune`.
type TuneOptions struct {
	IO     *IOStreams
	Unit   string
	Check  string
	Settle time.Duration
	Rounds int
	DryRun bool
	Undo   bool
	Output string
}

// NewCmdTune builds `harden tune`.
func NewCmdTune(f *Factory, runF func(*TuneOptions) error) *cobra.Command {
	opts := &TuneOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "tune UNIT",
		Short: "Take a newly locked-down unit from failing to healthy, one proven relaxation at a time",
		Long: `Restart the unit, and while it fails because of its sandbox, add the narrowest
relaxation harden finds to its own drop-in, /etc/systemd/system/UNIT.d/zz-harden-tune.conf,
and try again. A line is kept only when the next run shows its symptom gone. It stops when
the unit is healthy (a oneshot exits 0; a service stays active for --settle and --check
succeeds), when a failure is not the sandbox's, when no narrow relaxation is left, after
--rounds, or on Ctrl-C. While it runs it adds audit rules keyed harden-tune, so the kernel
records refused file operations; they and the temporary drop-in go when it ends.
--undo removes everything harden wrote for the unit, and only that.

Needs root and a running systemd. Exit status: 0 healthy, 1 stopped unresolved,
2 usage or evidence error.`,
		Example: `  harden tune my-web-app --check 'curl -fsS http://127.0.0.1:8080/health'
  harden tune --dry-run report-gen.service
  harden tune --undo my-web-app`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Unit = args[0]
			if runF != nil {
				return runF(opts)
			}
			return tuneRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Check, "check", "", checkHelp)
	fl.DurationVar(&opts.Settle, "settle", 30*time.Second, settleHelp)
	fl.IntVar(&opts.Rounds, "rounds", 10, "stop after this many rounds")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "run one round and print what would be added, writing nothing")
	fl.BoolVar(&opts.Undo, "undo", false, "remove what harden wrote for the unit (drop-ins, audit rules, state)")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output `FORMAT`: text or json")
	return cmd
}

// The help of the trial flags tune and tighten share: one text, one
// meaning.
const (
	checkHelp  = "a shell `COMMAND` that succeeds when the service works (run with a 30s timeout)"
	settleHelp = "how long a service must stay active to count as healthy"
)

func tuneRun(opts *TuneOptions) error {
	if err := checkOutput(opts.Output); err != nil {
		return err
	}
	unit, err := NormalizeUnit(opts.Unit)
	if err != nil {
		return err
	}
	sd, err := liveManager("tune", "tuning", unit)
	if err != nil {
		return err
	}
	defer sd.Close()
	out := opts.IO.Out
	if opts.Undo {
		return undoRun(out, sd, unit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	heard := hearAudit(ctx, opts.IO.ErrOut, opts.Output == "text")
	t := &tune.Tuner{Systemd: sd, Audit: tune.Auditctl{}, Now: time.Now, Sleep: time.Sleep, Diagnose: liveDiagnoser(journal.Live{}, heard, textLog(opts.IO.ErrOut, opts.Output))}
	to := tune.Options{Unit: unit, Settle: opts.Settle, Rounds: opts.Rounds, DryRun: opts.DryRun}
	to.Log = textLog(opts.IO.ErrOut, opts.Output)
	to.Check = shellCheck(opts.Check, opts.Output == "text", opts.IO.ErrOut)
	res, err := t.Run(ctx, to)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Version string `json:"version"`
			Unit    string `json:"unit"`
			*tune.Outcome
		}{version(), unit, res}); err != nil {
			return err
		}
	} else {
		writeTuneText(out, unit, res)
	}
	if !res.Healthy {
		return exitWith{ExitFindings}
	}
	return nil
}

func writeTuneText(w interface{ Write([]byte) (int, error) }, unit string, res *tune.Outcome) {
	p := func(f string, a ...any) { fmt.Fprintf(w, f, a...) }
	for _, r := range res.Rounds {
		p("round %d: %s", r.Round, r.Result)
		if len(r.Findings) > 0 {
			p(" — %s", diagnose.Sanitize(strings.Join(r.Findings, "; ")))
		}
		if len(r.Added) > 0 {
			p("; kept %s", strings.Join(r.Added, ", "))
		}
		if r.Note != "" {
			p(" (%s)", diagnose.Sanitize(r.Note))
		}
		p("\n")
	}
	p("\n%s: %s\n", unit, diagnose.Sanitize(res.Reason))
	if res.DropIn == "" {
		p("nothing was added.\n")
		return
	}
	p("\nThe tuning drop-in (%s):\n[Service]\n", res.DropIn)
	for _, l := range res.Lines {
		p("%s    # round %d: %s", l.Setting, l.Round, diagnose.Sanitize(l.Symptom))
		if l.GivesUp != "" {
			p("; gives up: %s", diagnose.Sanitize(l.GivesUp))
		}
		p("\n")
	}
	p("\nKeep it as it is, or take it all back with `harden tune --undo %s`.\n", unit)
}
