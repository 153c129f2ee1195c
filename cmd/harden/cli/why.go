package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden-tool/harden/diagnose"
	"github.com/harden-tool/harden/journal"
)

// WhyOptions are the dependencies and flags of `harden why`.
type WhyOptions struct {
	IO   *IOStreams
	Live func() journal.LiveHost
	Now  func() time.Time

	evidenceFlags
	Unit       string
	Invocation string
	Output     string
	Sample     bool
}

// NewCmdWhy builds `harden why`; runF replaces the run in tests of flag
// parsing.
func NewCmdWhy(f *Factory, runF func(*WhyOptions) error) *cobra.Command {
	opts := &WhyOptions{IO: f.IO, Live: f.Live, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "why UNIT",
		Short: "Explain why a unit's last run failed and what to relax",
		Long: `Explain why a unit's most recent failed run failed: the directive responsible,
the file:line that set it, the evidence, and the narrowest relaxation as a
drop-in for systemctl edit. UNIT without a suffix means UNIT.service.

Evidence comes from the live host (journal, /var/log/audit, unit properties
over D-Bus) unless --bundle, --directory or --file say otherwise. A bundle is a
folder copied from a host: journal.export (journalctl -o export) or journal/,
audit/ (audit.log and rotations), units/NAME.show (systemctl show NAME),
units/NAME.cat (systemctl cat NAME) and host.txt (systemctl --version; uname -a).

Exit status: 0 no failure caused by the sandbox, 1 findings reported,
2 usage or evidence error.`,
		Example: `  harden why my-web-app
  harden why --since "-2h" --output json my-web-app.service
  harden why --bundle ./evidence-from-web1 my-web-app
  harden why --file app.export --audit-log audit.log my-web-app`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Unit = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return whyRun(opts)
		},
	}
	fl := cmd.Flags()
	opts.register(fl, "default: back to the newest failed run", true)
	fl.StringVar(&opts.Invocation, "invocation", "", "explain the run with this invocation `ID`")
	fl.StringVarP(&opts.Output, "output", "o", "text", "output `FORMAT`: text or json")
	fl.BoolVar(&opts.Sample, "sample", false, "explain the embedded sample bundle (a real capture) instead of this host")
	return cmd
}

// unitNameMax is systemd's UNIT_NAME_MAX less the NUL.
const unitNameMax = 255

var unitNameRe = regexp.MustCompile(`^[A-Za-z0-9:_.\\@-]+$`)

// NormalizeUnit checks a unit name and adds .service when it has no type.
func NormalizeUnit(u string) (string, error) {
	n, err := normalizeUnit(u)
	if err == nil && len(n) > unitNameMax {
		return "", withHints(fmt.Errorf("a unit name of %d characters is not a unit name", len(n)), fmt.Sprintf("systemd's unit names are %d characters at most", unitNameMax))
	}
	return n, err
}

func normalizeUnit(u string) (string, error) {
	if len(u) > unitNameMax {
		u = u[:unitNameMax] + "…" // not echoed whole
	}
	if !unitNameRe.MatchString(u) || strings.HasPrefix(u, ".") || strings.Contains(u, "..") {
		return "", withHints(fmt.Errorf("%q is not a unit name", u), "unit names are like nginx, nginx.service or getty@tty1.service")
	}
	switch {
	case strings.HasSuffix(u, "."):
		return "", fmt.Errorf("%q is not a unit name", u)
	case !strings.Contains(u, ".") || strings.HasSuffix(u, "@"):
		return u + ".service", nil
	}
	for _, t := range []string{".service", ".socket", ".mount", ".timer", ".swap", ".path", ".target", ".scope", ".slice", ".device", ".automount"} {
		if strings.HasSuffix(u, t) {
			return u, nil
		}
	}
	return u + ".service", nil
}

func whyRun(opts *WhyOptions) error {
	if err := checkOutput(opts.Output); err != nil {
		return err
	}
	if opts.Bundle != "" && (opts.Directory != "" || len(opts.Files) > 0) {
		return withHints(errors.New("--bundle can't be used with --directory or --file"), "a bundle carries its own journal")
	}
	if opts.Directory != "" && len(opts.Files) > 0 {
		return errors.New("--directory can't be used with --file")
	}
	var live journal.LiveHost
	offline := opts.offline()
	if !offline && !opts.Sample {
		live = opts.Live()
	}
	if opts.Unit == "" && !opts.Sample {
		if live != nil || offline {
			return withHints(errors.New("which unit? `harden why UNIT`"), "list failed units with `systemctl --failed`")
		}
		opts.Sample = true
		fmt.Fprintln(opts.IO.ErrOut, "harden: no running systemd here and no evidence given: explaining the embedded sample, a real capture from systemd 252 (see `harden why --help` for bundles)")
	}
	if opts.Sample {
		dir, unit, cleanup, err := extractSample()
		if err != nil {
			return err
		}
		defer cleanup()
		opts.Bundle = dir
		if opts.Unit == "" {
			opts.Unit = unit
		}
		live = nil
	}
	unit, err := NormalizeUnit(opts.Unit)
	if err != nil {
		return err
	}
	if !offline && !opts.Sample && live == nil {
		return withHints(errors.New("systemd is not running here, so there is no live journal to read"),
			"read evidence copied from the host: `harden why --bundle DIR "+opts.Unit+"`",
			"or try the embedded sample: `harden why --sample`")
	}
	q := journal.Query{Unit: unit, Invocation: opts.Invocation, Hosts: opts.Hosts}
	if q.Since, q.Until, err = opts.window(opts.Now()); err != nil {
		return err
	}
	src := opts.sources()
	if opts.Units != "" {
		src.UnitShow, src.UnitCat = opts.unitFiles(unit)
	}
	ev, err := journal.Collect(src, q, live)
	if err != nil {
		var hints []string
		if live != nil {
			hints = append(hints, "reading the journal needs root or membership of the systemd-journal or adm group")
		}
		if ev != nil {
			hints = append(hints, ev.Missing...)
			for _, w := range ev.Warnings {
				hints = append(hints, w.String())
			}
		}
		return withHints(err, hints...)
	}
	rep := diagnose.Diagnose(ev, diagnose.Options{Unit: unit, Invocation: opts.Invocation})
	if opts.Output == "json" {
		rep.Version = version()
		err = rep.WriteJSON(opts.IO.Out)
	} else {
		err = rep.WriteText(opts.IO.Out, diagnose.Colors{Enabled: opts.IO.ColorEnabled()})
	}
	if err != nil {
		return err
	}
	if rep.Verdict == diagnose.VerdictSandbox {
		return exitWith{ExitFindings}
	}
	if rep.Incomplete {
		return exitWith{ExitError} // an evidence error: the answer is not whole
	}
	return nil
}

var _ = os.Stderr
