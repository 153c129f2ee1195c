package cli

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"
)

// ExitCode is the process's exit status; the values are part of the
// interface scripts rely on.
type ExitCode int

const (
	ExitNoSandboxFailure ExitCode = 0 // no failure the sandbox caused
	ExitFindings         ExitCode = 1 // findings reported
	ExitError            ExitCode = 2 // usage or evidence error
)

// HintError is an error with hints for the operator, printed as
// "harden: error: …" then one "harden: hint: …" line each.
type HintError struct {
	Err   error
	Hints []string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

func withHints(err error, hints ...string) error { return &HintError{err, hints} }

// exitWith lets a command finish with a chosen status and no error text.
type exitWith struct{ code ExitCode }

func (e exitWith) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs harden with arguments and streams, and returns the exit code.
func Main(args []string, io *IOStreams) ExitCode {
	f := NewFactory(io)
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	if p := os.Getenv("HARDEN_CPUPROFILE"); p != "" { // for benchmarks: where time goes
		if f, ferr := os.Create(p); ferr == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	err := root.Execute()
	if p := os.Getenv("HARDEN_MEMPROFILE"); p != "" { // for benchmarks: where memory goes
		if f, ferr := os.Create(p); ferr == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	if err == nil {
		return ExitNoSandboxFailure
	}
	var ew exitWith
	if errors.As(err, &ew) {
		return ew.code
	}
	fmt.Fprintf(io.ErrOut, "harden: error: %s\n", firstLower(err.Error()))
	var he *HintError
	if errors.As(err, &he) {
		for _, h := range he.Hints {
			fmt.Fprintf(io.ErrOut, "harden: hint: %s\n", h)
		}
	}
	return ExitError
}

func firstLower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// cobra's template functions are one global map: registered once, here,
// not per command tree (tests build many trees at once).
func init() { cobra.AddTemplateFunc("hardenVersion", version) }

// NewCmdRoot builds the command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "harden <command>",
		Short: "Explain why a hardened systemd service failed, and what to relax",
		Long: `harden reads the systemd journal, the Linux audit log and a unit's effective
configuration, finds the run that failed, names the sandboxing directive that
caused it with the file:line that set it, shows the evidence, and proposes the
narrowest relaxation as a drop-in. It never changes the system.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Non-empty to give the command its --version flag; the real text
		// is made only when asked (it reads the embedded tables).
		Version: "-",
	}
	root.SetVersionTemplate("harden {{hardenVersion}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withHints(err, "see `"+c.CommandPath()+" --help`")
	})
	for _, c := range []*cobra.Command{NewCmdWhy(f, nil), NewCmdCollect(f, nil), NewCmdTriage(f, nil), NewCmdWatch(f, nil), NewCmdTune(f, nil), NewCmdTighten(f, nil)} {
		if c.Name() != "triage" {
			c.ValidArgsFunction = completeUnits
		}
		completeFlags(c)
		root.AddCommand(c)
	}
	root.AddCommand(NewCmdExplain(f))
	return root
}
