package cli

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/harden-tool/harden/rules"
)

// NewCmdExplain builds `harden explain`: the reference an operator wants
// while tuning, read from the same tables `harden why` judges by.
func NewCmdExplain(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "explain DIRECTIVE",
		Short: "Say what a sandboxing directive blocks, how it fails, and how to relax it narrowly",
		Long: `Say, offline and from harden's own tables, what a directive protects, what it
makes fail and with which error (the paths it mounts, the calls its seccomp rules
refuse, the capabilities it drops, the setup failures it can cause), the narrow
ways to relax it and what each gives up, the systemd release that brought it, and
its man page. The same facts harden why judges by.

Exit status: 0, or 2 for a directive harden does not know.`,
		Example: `  harden explain ProtectSystem
  harden explain RestrictNamespaces=`,
		Args: cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			var names []string
			for n := range rules.Directives {
				names = append(names, n)
			}
			sort.Strings(names)
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := strings.TrimSuffix(strings.TrimSpace(args[0]), "=")
			d, ok := rules.LookupDirective(name)
			if !ok {
				return withHints(fmt.Errorf("harden knows no directive %q", name), "directives are named as in unit files: ProtectSystem, RestrictNamespaces, …")
			}
			writeExplain(f.IO.Out, d)
			return nil
		},
	}
}

func writeExplain(w io.Writer, d rules.Directive) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("%s=\n", d.Name)
	if d.Protects != "" {
		p("  protects: %s\n", d.Protects)
	}
	if d.Since > 0 {
		p("  since:    systemd %d\n", d.Since)
	}
	if t, ok := rules.MountTables[d.Name]; ok {
		p("  mounts (by value):\n")
		var vals []string
		for v := range t {
			if v != "true" {
				vals = append(vals, v)
			}
		}
		sort.Strings(vals)
		for _, v := range vals {
			var parts []string
			for _, pe := range t[v] {
				if pe.Effect != rules.Host {
					parts = append(parts, pe.Path+" "+effectErrno(pe.Effect))
				}
			}
			p("    %s=%s: %s\n", d.Name, v, strings.Join(parts, "; "))
		}
	}
	if t, ok := rules.MountTables[d.Name]; ok {
		seen := map[rules.Effect]bool{}
		for _, pes := range t {
			for _, pe := range pes {
				if r := narrowFor(pe.Effect); r != "" && !seen[pe.Effect] {
					seen[pe.Effect] = true
					p("  relax narrowly (%s): %s\n", pe.Effect, r)
				}
			}
		}
	}
	for _, l := range rules.PathListDirectives {
		if l.Directive == d.Name {
			p("  each path listed: %s\n", effectErrno(l.Effect))
		}
	}
	for _, r := range rules.Refusals {
		if r.Directive != d.Name {
			continue
		}
		var ops []string
		for _, o := range r.Ops {
			if o == "" {
				o = "(a message naming no call)"
			}
			ops = append(ops, o)
		}
		if r.Ops == nil {
			ops = []string{"any operation"}
		}
		p("  refuses (no kernel trace): %s → %s\n", strings.Join(ops, ", "), r.Errno)
	}
	if caps := rules.ImpliedCapabilityDrops[d.Name]; len(caps) > 0 {
		p("  drops from the bounding set: %s (operations that need them fail with EPERM)\n", strings.Join(caps, ", "))
	}
	if d.Seccomp != "" {
		when := "any value"
		if d.Seccomp != "any" {
			when = d.Seccomp
		}
		p("  seccomp-based (%s): up to systemd %d it implied NoNewPrivileges=yes for an unprivileged service\n", when, rules.LastReleaseSeccompImpliesNNP)
	}
	for _, m := range rules.SetupMessages {
		for _, x := range m.Directives {
			if x == d.Name {
				p("  can stop the unit before its program runs: exit status %s\n", m.Step)
				break
			}
		}
	}
	for _, e := range rules.ExecDirectories {
		if e.Directive == d.Name {
			p("  purpose-built: systemd creates %s/NAME for the service and makes it writable; gives up: %s\n", e.Root, e.GivesUp)
		}
	}
	if d.Hint != "" {
		p("  narrower first: %s\n", d.Hint)
	}
	if d.Off != "" {
		p("  switch-off, when nothing narrower helps: %s (restores: %s)\n", d.Off, d.OffRestores)
	}
	if u := d.ManURL(); u != "" {
		p("  see: %s\n", u)
	}
}

// narrowFor is how harden relaxes a mount effect for one path, narrowest
// first (the candidates of diagnose's relaxations, in words).
func narrowFor(e rules.Effect) string {
	switch e {
	case rules.ReadOnly:
		return "the purpose-built directory for the folder the service writes (StateDirectory=, CacheDirectory=, LogsDirectory=, RuntimeDirectory=, ConfigurationDirectory=), else ReadWritePaths= of that one existing folder; never of a file that does not exist yet (226/NAMESPACE), and not of the very path the setting makes read-only (systemd keeps the read-only entry)"
	case rules.Inaccessible, rules.TmpfsRO:
		return "an empty tmpfs with one path bound back: the tmpfs value of the setting and BindReadOnlyPaths=PATH (BindPaths= to write)"
	case rules.PrivateTmp:
		return "BindPaths= of the one file or folder the service must share from the host's /tmp"
	case rules.PrivateDev:
		return "PrivateDevices=no with DevicePolicy=closed and DeviceAllow= of the one device"
	case rules.NoExec:
		return "ExecPaths= of the one program"
	}
	return ""
}

// effectErrno says what a mount effect makes fail, and how.
func effectErrno(e rules.Effect) string {
	switch e {
	case rules.ReadOnly:
		return "read-only (writes: EROFS)"
	case rules.Inaccessible:
		return "inaccessible (EACCES for a user without CAP_DAC_*; empty, ENOENT, for root; writes EROFS)"
	case rules.TmpfsRO:
		return "an empty read-only tmpfs (ENOENT; creating: EROFS)"
	case rules.Tmpfs:
		return "an empty tmpfs (the host's files: ENOENT)"
	case rules.PrivateTmp:
		return "private (other processes' files: ENOENT)"
	case rules.PrivateDev:
		return "a private /dev (real devices: ENOENT)"
	case rules.ProcPIDOnly:
		return "process directories only (the rest: ENOENT)"
	case rules.NoExec:
		return "noexec (execve: EACCES)"
	case rules.Writable:
		return "writable again below a read-only tree (a missing path: 226/NAMESPACE unless prefixed with -)"
	case rules.Exec:
		return "executable again below a noexec tree"
	}
	return string(e)
}
