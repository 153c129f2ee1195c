package cli

// Output contract: the answer goes to standard output (text for people,
// or --output json for programs); every other word — errors with their
// hints, notes about the evidence used, progress — goes to standard error
// with a "harden: " prefix, lowercase and without a final period.

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the three streams and what is known of the terminal.
type IOStreams struct {
	In          io.Reader
	Out, ErrOut io.Writer
	outTTY      bool
	errTTY      bool
	noColor     bool
}

// ColorEnabled: colour only on a terminal, and never with NO_COLOR set.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.noColor }

// IsStderrTTY tells whether progress may be shown.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// System returns the process's streams.
func System() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		outTTY:  term.IsTerminal(int(os.Stdout.Fd())),
		errTTY:  term.IsTerminal(int(os.Stderr.Fd())),
		noColor: noColor || os.Getenv("TERM") == "dumb",
	}
}

// TestStreams returns streams writing to buffers, with no terminal.
func TestStreams() (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: &bytes.Buffer{}, Out: out, ErrOut: errOut}, out, errOut
}
