package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// version says which build gave an answer, for a ticket: the module
// version and VCS revision Go stamped into the binary, and the systemd
// releases whose tables harden carries.
func version() string {
	v, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += " (" + rev
		if dirty {
			v += "+dirty"
		}
		v += ")"
	}
	t := rules.GroupTableVersions()
	return fmt.Sprintf("%s; syscall groups of systemd %s; directives as of %s", v, strings.Join(t, ", "), t[len(t)-1])
}
