// Command cutexport cuts a real journal export down to one unit's entries
// up to a time and the kernel's lines and audit records from a minute
// before the unit's first entry to a later time: a run followed by minutes
// of kernel activity and nothing more of the unit (testdata/journal-after-run).
//
//	go run ./testdata/lab/cutexport SRC.export UNIT UNIT-UNTIL KERNEL-UNTIL > OUT.export
//
// Times are RFC 3339.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/harden-tool/harden/journal"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: cutexport SRC.export UNIT UNIT-UNTIL KERNEL-UNTIL")
		os.Exit(2)
	}
	es, _, err := journal.ReadExportFile(os.Args[1], nil)
	if err != nil {
		fail(err)
	}
	unit := os.Args[2]
	unitUntil, err := time.Parse(time.RFC3339, os.Args[3])
	if err != nil {
		fail(err)
	}
	kernelUntil, err := time.Parse(time.RFC3339, os.Args[4])
	if err != nil {
		fail(err)
	}
	var out []journal.Entry
	var first time.Time
	for _, e := range es {
		if (e.Get("_SYSTEMD_UNIT") == unit || e.Get("UNIT") == unit) && !e.Time.After(unitUntil) {
			if first.IsZero() {
				first = e.Time
			}
			out = append(out, e)
			continue
		}
		tr := e.Get("_TRANSPORT")
		if (tr == "audit" || tr == "kernel") && !first.IsZero() && e.Time.After(first.Add(-time.Minute)) && !e.Time.After(kernelUntil) {
			out = append(out, e)
		}
	}
	if err := journal.WriteExport(os.Stdout, out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cutexport:", err)
	os.Exit(1)
}
