// Command harden explains why a hardened systemd service failed and which
// directive to relax, and how little. The commands are in package cli.
package main

import (
	"os"

	"github.com/harden-tool/harden/cmd/harden/cli"
)

func main() { os.Exit(int(cli.Main(os.Args[1:], cli.System()))) }
