package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/harden-tool/harden/journal"
)

// CollectOptions are the dependencies and flags of `harden collect`.
type CollectOptions struct {
	IO   *IOStreams
	Live func() journal.LiveHost
	Now  func() time.Time

	evidenceFlags
	Units []string
	Out   string
}

// NewCmdCollect builds `harden collect`.
func NewCmdCollect(f *Factory, runF func(*CollectOptions) error) *cobra.Command {
	opts := &CollectOptions{IO: f.IO, Live: f.Live, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "collect UNIT...",
		Short: "Save the evidence about units as a bundle, to attach to a ticket",
		Long: `Write a bundle (the format harden why --bundle reads) with only what matters
for the units: their journal entries and the kernel's of the same window, the
audit records of that window, systemctl show and cat of each unit, and
host.txt. --to FILE.tar.gz writes an archive, --to DIR a folder. What could not
be collected is said on standard error and in MISSING.txt. Nothing on the host
is changed.

Exit status: 0 the bundle was written, 2 usage or evidence error.`,
		Example: `  harden collect my-web-app --to web1-incident.tar.gz
  harden collect --since -2h api worker --to ./evidence`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Units = args
			if runF != nil {
				return runF(opts)
			}
			return collectRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Out, "to", "", "write to `FILE.tar.gz` or folder `DIR` (default harden-bundle-TIME.tar.gz)")
	// -o/--output is the output format in every other command; here it
	// was the destination, and stays accepted for that, deprecated.
	fl.StringVarP(&opts.Out, "output", "o", "", "")
	fl.MarkDeprecated("output", "use --to; -o/--output means the output format in harden's other commands")
	opts.register(fl, "default: back to each unit's last failed run", false)
	return cmd
}

func collectRun(opts *CollectOptions) error {
	now := opts.Now()
	since, until, err := opts.window(now)
	if err != nil {
		return err
	}
	offline := opts.offline()
	var live journal.LiveHost
	if !offline {
		if live = opts.Live(); live == nil {
			return withHints(errors.New("systemd is not running here, so there is nothing live to collect"),
				"collect on the host itself, or re-bundle evidence with --bundle/--directory/--file")
		}
	}
	src := opts.sources()
	all := &journal.Evidence{}
	var units []*journal.UnitConfig
	seen := map[string]bool{}
	seenAudit := map[string]bool{}
	for _, u := range opts.Units {
		unit, err := NormalizeUnit(u)
		if err != nil {
			return err
		}
		ev, err := journal.Collect(src, journal.Query{Unit: unit, Since: since, Until: until, Hosts: opts.Hosts}, live)
		if err != nil && ev == nil {
			return err
		}
		for _, e := range ev.Entries {
			k := entryKey(e)
			if !seen[k] {
				seen[k] = true
				all.Entries = append(all.Entries, e)
			}
		}
		for _, a := range ev.Audit {
			k := fmt.Sprintf("%d:%d", a.Time.Unix(), a.Serial)
			if !seenAudit[k] {
				seenAudit[k] = true
				all.Audit = append(all.Audit, a)
			}
		}
		units = append(units, ev.Unit)
		all.Host = ev.Host
		for _, m := range ev.Missing {
			all.Missing = append(all.Missing, unit+": "+m)
		}
		all.Warnings = append(all.Warnings, ev.Warnings...)
	}
	out := opts.Out
	if out == "" {
		out = "harden-bundle-" + now.UTC().Format("20060102T150405Z") + ".tar.gz"
	}
	archive := strings.HasSuffix(out, ".tar.gz") || strings.HasSuffix(out, ".tgz")
	dir := out
	if archive {
		tmp, err := os.MkdirTemp("", "harden-collect-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if err := journal.WriteBundle(dir, all, units); err != nil {
		return fmt.Errorf("failed to write the bundle: %w", err)
	}
	if archive {
		f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return withHints(fmt.Errorf("failed to create %s: %w", out, err), "harden never overwrites a file: choose another name")
		}
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(out), ".tgz"), ".tar.gz")
		if err := journal.WriteArchive(f, dir, base); err != nil {
			f.Close()
			return fmt.Errorf("failed to write %s: %w", out, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintf(opts.IO.ErrOut, "harden: wrote %s: %d journal entries, %d audit events, %d unit(s)\n", out, len(all.Entries), len(all.Audit), len(units))
	for _, m := range all.Missing {
		fmt.Fprintf(opts.IO.ErrOut, "harden: not collected: %s\n", m)
	}
	return nil
}

func entryKey(e journal.Entry) string {
	if c := e.Get("__CURSOR"); c != "" {
		return c
	}
	return fmt.Sprintf("%d|%s|%s|%s", e.Time.UnixMicro(), e.Get("_PID"), e.Get("_AUDIT_ID"), e.Message())
}
