package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/tune"
)

// TightenOptions are the flags of `harden tighten`.
type TightenOptions struct {
	IO     *IOStreams
	Unit   string
	Check  string
	Settle time.Duration
	Apply  bool
	Undo   bool
	Output string
}

// NewCmdTighten builds `harden tighten`.
func NewCmdTighten(f *Factory, runF func(*TightenOptions) error) *cobra.Command {
	opts := &TightenOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "tighten UNIT --check COMMAND",
		Short: "Propose the hardening a working unit bears, every line proven by a trial",
		Long: `Try every hardening setting harden knows that the unit does not set yet, with the
value systemd-analyze security rewards, on the running host: in groups, in a temporary
drop-in, restarting the unit and running --check each time. A group under which the unit
stays active for --settle, passes the check and is refused nothing is kept; a failing group
is halved until the setting it cannot bear is found, and that failure is diagnosed as
harden why would: the setting is kept with its narrowest relaxation when one exists
(ProtectSystem=strict with StateDirectory=app), else left out with the reason.

It prints the proposed drop-in, each line with the trial that proved it and what it
protects, and the exposure score before and after (systemd-analyze security). Hardening is
only as good as what the check exercises: a code path the check never runs may still meet a
setting it cannot bear. Without --apply the unit ends as it began; with --apply the drop-in
is kept as /etc/systemd/system/UNIT.d/zz-harden-tighten.conf, marked as harden's.
--undo removes everything harden wrote for the unit, and only that.

Needs root and a running systemd. Exit status: 0 a proposal was made, 1 nothing could be
tightened, 2 usage or evidence error.`,
		Example: `  harden tighten my-web-app --check 'curl -fsS http://127.0.0.1:8080/health' --settle 5s
  harden tighten my-web-app --check '…' --apply
  harden tighten --undo my-web-app`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Unit = args[0]
			if runF != nil {
				return runF(opts)
			}
			return tightenRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Check, "check", "", checkHelp)
	fl.DurationVar(&opts.Settle, "settle", 30*time.Second, settleHelp)
	fl.BoolVar(&opts.Apply, "apply", false, "keep the proposed drop-in")
	fl.BoolVar(&opts.Undo, "undo", false, "remove what harden wrote for the unit (drop-ins, state)")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output `FORMAT`: text or json")
	return cmd
}

func tightenRun(opts *TightenOptions) error {
	if err := checkOutput(opts.Output); err != nil {
		return err
	}
	unit, err := NormalizeUnit(opts.Unit)
	if err != nil {
		return err
	}
	if !opts.Undo && opts.Check == "" {
		return withHints(errors.New("--check is required: tightening keeps only what the service bears, and the check is how harden knows"),
			"give a command that succeeds when the service works, e.g. --check 'curl -fsS http://127.0.0.1:8080/health'")
	}
	sd, err := liveManager("tighten", "tightening", unit)
	if err != nil {
		return err
	}
	defer sd.Close()
	out := opts.IO.Out
	if opts.Undo {
		return undoRun(out, sd, unit)
	}
	live := journal.Live{}
	cfg, _, err := live.UnitConfig(unit)
	if err != nil {
		return err
	}
	host := live.Host()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	heard := hearAudit(ctx, opts.IO.ErrOut, opts.Output == "text")
	t := &tune.Tuner{Systemd: sd, Audit: tune.Auditctl{}, Now: time.Now, Sleep: time.Sleep, Diagnose: liveDiagnoser(live, heard, textLog(opts.IO.ErrOut, opts.Output)), Exposure: exposure}
	to := tune.TightenOptions{Unit: unit, Settle: opts.Settle, Apply: opts.Apply, Props: cfg.Props, Version: host.SystemdVersion,
		Check: shellCheck(opts.Check, opts.Output == "text", opts.IO.ErrOut)}
	to.Log = textLog(opts.IO.ErrOut, opts.Output)
	p, err := t.Tighten(ctx, to)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Version string `json:"version"`
			Unit    string `json:"unit"`
			Check   string `json:"check"`
			*tune.Proposal
		}{version(), unit, opts.Check, p}); err != nil {
			return err
		}
	} else {
		writeTightenText(out, unit, opts.Check, p)
	}
	if len(p.Lines) == 0 {
		return exitWith{ExitFindings}
	}
	return nil
}

// liveManager is the running systemd that tune and tighten change: they
// need it, and root.
func liveManager(command, doing, unit string) (*tune.Live, error) {
	if !journal.Running() {
		return nil, withHints(fmt.Errorf("systemd is not running here: %s restarts the unit on this host", doing), "run it on the host the unit runs on")
	}
	if os.Geteuid() != 0 {
		return nil, withHints(fmt.Errorf("%s writes drop-ins and restarts the unit: it needs root", doing), "sudo harden "+command+" "+unit)
	}
	return tune.NewLive()
}

// textLog writes harden's progress lines to w with text output; nil with
// JSON.
func textLog(w io.Writer, output string) func(string, ...any) {
	if output != "text" {
		return nil
	}
	return func(format string, args ...any) { fmt.Fprintf(w, "harden: "+format+"\n", args...) }
}

// hearAudit listens to the kernel's audit stream for tune and tighten,
// saying so (show) when it cannot.
func hearAudit(ctx context.Context, errOut io.Writer, show bool) *heardAudit {
	heard, err := listenAudit(ctx)
	if err != nil && show {
		fmt.Fprintf(errOut, "harden: the kernel's audit stream is not available (%v): each trial's refusals are read from the audit log and the journal, which auditd may write late\n", err)
	}
	return heard
}

// undoRun is --undo of tune and tighten: what harden wrote, and only that.
func undoRun(out io.Writer, sd tune.Systemd, unit string) error {
	removed, err := tune.Undo(sd, tune.Auditctl{}, unit)
	for _, r := range removed {
		fmt.Fprintf(out, "removed %s\n", r)
	}
	if len(removed) == 0 && err == nil {
		fmt.Fprintf(out, "nothing of harden's to remove for %s\n", unit)
	}
	return err
}

// liveDiagnoser explains one run of a unit from this host's journal, as
// `harden why UNIT --invocation ID` would, with the audit records heard
// as the kernel emitted them (nil: none). logf (nil: silent) is told what
// each diagnosis read.
func liveDiagnoser(live journal.Live, heard *heardAudit, logf func(string, ...any)) tune.Diagnoser {
	return func(unit, inv string) (*diagnose.Report, error) {
		exec.Command("journalctl", "--sync").Run() // the run's last lines
		time.Sleep(500 * time.Millisecond)
		all := heard.all()
		ev, err := journal.Collect(journal.Sources{Heard: all}, journal.Query{Unit: unit, Invocation: inv}, live)
		if err != nil {
			return nil, err
		}
		if logf != nil {
			logf("run %s read: %d journal entries, %d audit events (%d heard from the kernel's stream so far)", inv, len(ev.Entries), len(ev.Audit), len(all))
		}
		return diagnose.Diagnose(ev, diagnose.Options{Unit: unit, Invocation: inv}), nil // ev.Host: Collect asked the live host
	}
}

// shellCheck runs the operator's check with a timeout, its output shown.
func shellCheck(command string, show bool, w io.Writer) func(context.Context) (bool, string) {
	if command == "" {
		return nil
	}
	return func(ctx context.Context) (bool, string) {
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		b, err := exec.CommandContext(c, "/bin/sh", "-c", command).CombinedOutput()
		if show {
			fmt.Fprintf(w, "harden: check %q: %s\n", command, strings.TrimSpace(diagnose.Sanitize(string(b))))
		}
		return err == nil, string(b)
	}
}

var reExposure = regexp.MustCompile(`Overall exposure level for \S+: ([0-9]+(?:\.[0-9]+)?)`)

// exposure is the unit's score from systemd-analyze security (0 best, 10
// worst), as loaded now.
func exposure(unit string) (float64, error) {
	b, err := exec.Command("systemd-analyze", "security", "--no-pager", unit).CombinedOutput()
	return parseExposure(b, err)
}

func parseExposure(b []byte, err error) (float64, error) {
	m := reExposure.FindSubmatch(b)
	if m == nil {
		if err == nil {
			err = errors.New("no exposure level in its output")
		}
		return 0, fmt.Errorf("systemd-analyze security: %v", err)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func writeTightenText(w io.Writer, unit, check string, p *tune.Proposal) {
	pr := func(f string, a ...any) { fmt.Fprintf(w, f, a...) }
	for _, t := range p.Trials {
		pr("trial %d: %s", t.Trial, t.Result)
		if len(t.Tried) > 0 {
			pr(" with %s", strings.Join(t.Tried, ", "))
		} else if t.Trial == 1 {
			pr(" as it is")
		}
		if t.Note != "" {
			pr(" — %s", diagnose.Sanitize(t.Note))
		}
		pr("\n")
	}
	pr("\n%s: %s\n", unit, p.Reason)
	if len(p.Lines) == 0 {
		pr("nothing is proposed.\n")
		return
	}
	pr("\nProposed drop-in (systemctl edit %s):\n[Service]\n", unit)
	for _, l := range p.Lines {
		pr("%s\n", l.Setting)
		if l.For != "" {
			pr("    # trial %d: %s\n", l.Trial, diagnose.Sanitize(l.Protects))
		} else {
			pr("    # trial %d; protects: %s\n", l.Trial, l.Protects)
		}
	}
	if len(p.Rejected) > 0 {
		pr("\nNot borne by the service:\n")
		for _, r := range p.Rejected {
			pr("  %s (trial %d): %s\n", r.Setting, r.Trial, diagnose.Sanitize(r.Why))
		}
	}
	if p.ExposureBefore != nil && p.ExposureAfter != nil {
		pr("\nExposure (systemd-analyze security): %.1f before, %.1f with the drop-in.\n", *p.ExposureBefore, *p.ExposureAfter)
	}
	pr("\nEach line was proven only as far as the check exercises the service (%q): a code path it\nnever runs may still meet a setting it cannot bear.\n", check)
	if p.Applied != "" {
		pr("Kept as %s; take it back with `harden tighten --undo %s`.\n", p.Applied, unit)
	} else {
		pr("The unit is as it was; keep the proposal with --apply.\n")
	}
}
