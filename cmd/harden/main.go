// Command harden explains why a hardened systemd service failed and which
// directive to relax, and how little.
package main

import "os"

func main() { os.Exit(int(Main(os.Args[1:], System()))) }
