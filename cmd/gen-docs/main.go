// gen-docs writes harden's man pages from its cobra commands (the model is
// gh's cmd/gen-docs): harden(1), one page per command, and harden-bundle(5)
// for the bundle format.
//
//	go run ./cmd/gen-docs --man-page --doc-path DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra/doc"

	"github.com/harden-tool/harden/cmd/harden/cli"
)

func main() {
	manPage := flag.Bool("man-page", false, "write man pages")
	docPath := flag.String("doc-path", "", "the folder to write them to")
	flag.Parse()
	if !*manPage || *docPath == "" {
		fmt.Fprintln(os.Stderr, "usage: gen-docs --man-page --doc-path DIR")
		os.Exit(2)
	}
	if err := os.MkdirAll(*docPath, 0o755); err != nil {
		fail(err)
	}
	// A fixed date unless the build says otherwise: the pages are reproducible.
	date := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	if sec, err := strconv.ParseInt(os.Getenv("SOURCE_DATE_EPOCH"), 10, 64); err == nil {
		date = time.Unix(sec, 0).UTC()
	}
	root := cli.NewCmdRoot(cli.NewFactory(cli.System()))
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{Title: "HARDEN", Section: "1", Source: "harden", Manual: "harden manual", Date: &date}
	if err := doc.GenManTree(root, header, *docPath); err != nil {
		fail(err)
	}
	page := fmt.Sprintf(bundlePage, date.Format("Jan 2006"))
	if err := os.WriteFile(filepath.Join(*docPath, "harden-bundle.5"), []byte(page), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen-docs:", err)
	os.Exit(1)
}

// bundlePage is harden-bundle(5), in roff: docs/bundle.md for man.
const bundlePage = `.TH "HARDEN-BUNDLE" "5" "%s" "harden" "harden manual"
.SH NAME
harden-bundle \- evidence copied from a host, for harden --bundle
.SH DESCRIPTION
A bundle is a folder, or a .tar.gz of one, that holds the evidence of a
failure so that harden can explain it on another machine. harden reads
nothing else from the machine it runs on: links that lead out of the
folder, FIFOs and devices are refused by name. \fBharden collect\fR writes
one, and says in MISSING.txt what it could not collect.
.SH FILES
.TP
.B journal.export \fRor\fB journal/
The journal: \fBjournalctl -o export\fR output (any window, any units), or a
copy of /var/log/journal/.
.TP
.B audit/
Optional: audit.log and its rotations (cp /var/log/audit/audit.log* audit/).
.TP
.B units/NAME.show
\fBsystemctl show NAME\fR, NAME being the full unit name. Without it no
directive can be judged and the verdict is unknown.
.TP
.B units/NAME.cat
Optional: \fBsystemctl cat NAME\fR, for the file:line of each setting.
.TP
.B host.txt
Optional: \fBsystemctl --version; uname -a\fR; selects the syscall group
tables of that systemd release.
.SH EXAMPLE
.nf
mkdir -p b/units b/audit
journalctl -o export --since -1h > b/journal.export
cp /var/log/audit/audit.log* b/audit/
systemctl show my-web-app.service > b/units/my-web-app.service.show
systemctl cat my-web-app.service > b/units/my-web-app.service.cat
{ systemctl --version; uname -a; } > b/host.txt
harden why --bundle b my-web-app
.fi
.SH SEE ALSO
harden(1), harden-collect(1), harden-why(1)
`
