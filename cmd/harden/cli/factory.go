package cli

import (
	"time"

	"github.com/harden-tool/harden/journal"
)

// Factory holds what commands depend on, so tests can replace it.
type Factory struct {
	IO *IOStreams
	// Live returns the running host, or nil when systemd is not running
	// here (then only --bundle / --file evidence can be read).
	Live func() journal.LiveHost
	Now  func() time.Time
}

// NewFactory wires the real dependencies.
func NewFactory(io *IOStreams) *Factory {
	return &Factory{
		IO: io,
		Live: func() journal.LiveHost {
			if !journal.Running() {
				return nil
			}
			return journal.Live{}
		},
		Now: time.Now,
	}
}
