package rules

import (
	"bufio"
	"embed"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed data
var dataFS embed.FS

// SyscallGroups maps "@group" to the syscalls it really matches (nested
// groups expanded) for one systemd release.
type SyscallGroups struct {
	Version string // e.g. "v252"
	Groups  map[string]map[string]bool
	Order   []string // groups in table order
}

var (
	groupsOnce sync.Once
	groupSets  []*SyscallGroups // sorted by release; Groups parsed on first use
	groupsErr  error
	parseOnce  = map[string]*sync.Once{}
)

// loadGroups lists the embedded tables; each is parsed only when a
// diagnosis first needs it (parsing all eight cost a run 20 ms).
func loadGroups() {
	entries, err := dataFS.ReadDir("data/syscall-groups")
	if err != nil {
		groupsErr = err
		return
	}
	for _, e := range entries {
		v := strings.TrimSuffix(e.Name(), ".tsv")
		groupSets = append(groupSets, &SyscallGroups{Version: v})
		parseOnce[v] = &sync.Once{}
	}
	sort.Slice(groupSets, func(i, j int) bool { return releaseNumber(groupSets[i].Version) < releaseNumber(groupSets[j].Version) })
}

// parsed fills in g's groups from its embedded table.
func parsed(g *SyscallGroups) *SyscallGroups {
	parseOnce[g.Version].Do(func() {
		b, err := dataFS.ReadFile(path.Join("data/syscall-groups", g.Version+".tsv"))
		if err != nil {
			groupsErr = err
			return
		}
		g.Groups = map[string]map[string]bool{}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || line[0] == '#' {
				continue
			}
			name, members, ok := strings.Cut(line, "\t")
			if !ok {
				continue
			}
			set := map[string]bool{}
			for _, m := range strings.Fields(members) {
				set[m] = true
			}
			g.Groups[name] = set
			g.Order = append(g.Order, name)
		}
	})
	if groupsErr != nil {
		panic(fmt.Sprintf("rules: embedded syscall groups unreadable: %v", groupsErr))
	}
	return g
}

func releaseNumber(v string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimPrefix(v, "v"), 64)
	return f
}

// GroupsFor returns the @group table closest to a systemd release: the
// newest table not newer than it, or the oldest one for older releases;
// version 0 (unknown) gives the newest. exact says whether the table is
// for that very release.
func GroupsFor(version int) (g *SyscallGroups, exact bool) {
	groupsOnce.Do(loadGroups)
	if groupsErr != nil || len(groupSets) == 0 {
		panic(fmt.Sprintf("rules: embedded syscall groups unreadable: %v", groupsErr))
	}
	if version <= 0 {
		return parsed(groupSets[len(groupSets)-1]), false
	}
	best := groupSets[0]
	for _, s := range groupSets {
		if int(releaseNumber(s.Version)) <= version {
			best = s
		}
	}
	return parsed(best), int(releaseNumber(best.Version)) == version
}

// HostGroups wraps the @group sets read from a running systemd.
func HostGroups(version int, groups map[string]map[string]bool) *SyscallGroups {
	g := &SyscallGroups{Version: fmt.Sprintf("v%d (from systemd-analyze)", version), Groups: groups}
	for name := range groups {
		g.Order = append(g.Order, name)
	}
	sort.Strings(g.Order)
	return g
}

// GroupsContaining lists the groups (other than @known and @default) that
// contain a syscall, smallest first.
func (g *SyscallGroups) GroupsContaining(syscall string) []string {
	var out []string
	for _, name := range g.Order {
		if name == "@known" || name == "@default" {
			continue
		}
		if g.Groups[name][syscall] {
			out = append(out, name)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(g.Groups[out[i]]) < len(g.Groups[out[j]]) })
	return out
}

// ExitStatus is one row of systemd's exit status table.
type ExitStatus struct {
	Number  int
	Name    string // as printed in status=N/NAME
	Class   string // libc, LSB, BSD sysexits, systemd
	Meaning string
	Cause   string
}

var (
	exitOnce   sync.Once
	exitByName map[string]ExitStatus
	exitByNum  map[int]ExitStatus
)

func loadExit() {
	exitByName, exitByNum = map[string]ExitStatus{}, map[int]ExitStatus{}
	b, err := dataFS.ReadFile("data/exit-status.tsv")
	if err != nil {
		panic("rules: embedded exit-status.tsv unreadable: " + err.Error())
	}
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 8 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		s := ExitStatus{Number: n, Name: f[2], Class: f[3], Meaning: f[6], Cause: f[7]}
		exitByNum[n] = s
		exitByName[s.Name] = s
	}
}

// LookupExitStatus finds an exit status by number.
func LookupExitStatus(n int) (ExitStatus, bool) {
	exitOnce.Do(loadExit)
	s, ok := exitByNum[n]
	return s, ok
}

// IsSetupStatus reports whether an exit status is one systemd itself uses
// for a failure before exec (the 200–246 range of its table). 255,
// EXIT_EXCEPTION, is no setup step, and programs exit with it themselves
// (lab: ssh's "Connection refused", real-ssh-families).
func IsSetupStatus(n int) bool {
	s, ok := LookupExitStatus(n)
	return ok && s.Class == "systemd" && n < 255
}

// GroupTableVersions lists the systemd releases whose @group tables are
// embedded, oldest first.
func GroupTableVersions() []string {
	groupsOnce.Do(loadGroups)
	var out []string
	for _, g := range groupSets {
		out = append(out, g.Version)
	}
	return out
}
