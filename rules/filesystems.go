package rules

import (
	"bufio"
	"strings"
	"sync"
)

// FileSystems is systemd's table for RestrictFileSystems=: the @groups
// and, per file system type, the magic numbers its BPF LSM program
// compares. Two types with one magic are one type to the kernel
// (devtmpfs is tmpfs), so allowing either allows both.
//
// Source: data/filesystems-257.txt, the output of `systemd-analyze
// filesystems` of systemd 257 (the table is the same from v250, when
// RestrictFileSystems= appeared, with types added over time).
type FileSystems struct {
	Groups map[string][]string // "@basic-api" → types
	Magic  map[string][]string // "devtmpfs" → ["0x1021994"]
}

var (
	fsOnce  sync.Once
	fsTable FileSystems
)

// FileSystemTable parses the embedded table once.
func FileSystemTable() *FileSystems {
	fsOnce.Do(func() {
		fsTable = FileSystems{Groups: map[string][]string{}, Magic: map[string][]string{}}
		b, err := dataFS.ReadFile("data/filesystems-257.txt")
		if err != nil {
			return
		}
		group := ""
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			t := strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "@"):
				group = t
			case t == "" || strings.HasPrefix(t, "#"):
			case group != "":
				name, rest, _ := strings.Cut(t, " (magic: ")
				fsTable.Groups[group] = append(fsTable.Groups[group], name)
				rest = strings.TrimSuffix(rest, ")")
				if i := strings.IndexByte(rest, '['); i >= 0 {
					rest = rest[:i] // "0x1021994[tmpfs]": the type it aliases
				}
				for _, m := range strings.Split(rest, ",") {
					if m = strings.TrimSpace(m); m != "" {
						fsTable.Magic[name] = append(fsTable.Magic[name], m)
					}
				}
			}
		}
	})
	return &fsTable
}

// Expand turns a RestrictFileSystems= list (types and @groups) into
// types.
func (t *FileSystems) Expand(items []string) []string {
	var out []string
	for _, it := range items {
		if strings.HasPrefix(it, "@") {
			out = append(out, t.Groups[it]...)
			continue
		}
		out = append(out, it)
	}
	return out
}

// SameType says whether the kernel cannot tell a from b (one magic).
func (t *FileSystems) SameType(a, b string) bool {
	if a == b {
		return true
	}
	for _, x := range t.Magic[a] {
		for _, y := range t.Magic[b] {
			if x == y {
				return true
			}
		}
	}
	return false
}

// APIFileSystems are the file system types of the kernel API mounts,
// which are the same on every systemd host (the mount points PID 1
// sets up); longest path first. Other paths are on whatever the host
// mounted there, which only the live host can tell.
var APIFileSystems = []struct{ Path, Type string }{
	{"/sys/kernel/security", "securityfs"},
	{"/sys/kernel/tracing", "tracefs"},
	{"/sys/kernel/config", "configfs"},
	{"/sys/kernel/debug", "debugfs"},
	{"/sys/fs/cgroup", "cgroup2"},
	{"/sys/fs/pstore", "pstore"},
	{"/sys/fs/bpf", "bpf"},
	{"/dev/hugepages", "hugetlbfs"},
	{"/dev/mqueue", "mqueue"},
	{"/dev/shm", "tmpfs"},
	{"/dev/pts", "devpts"},
	{"/proc", "proc"},
	{"/sys", "sysfs"},
	{"/dev", "devtmpfs"},
	{"/run", "tmpfs"},
}
