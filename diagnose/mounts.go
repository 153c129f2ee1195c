package diagnose

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// Mounts and files: what the namespace systemd builds makes of a path
// (ProtectSystem=, ProtectHome=, the path lists, PrivateTmp=, …), the
// device policy, and RestrictFileSystems=; and how to open one path alone.

// mountCandidates relaxes a mount: the purpose-built directory first, then
// the one path opened (ReadWritePaths=, a bind mount into the hidden
// tree, ExecPaths=, one device), the entry taken out of its list, and
// last the directive's weaker values.
func mountCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	target := relaxTarget(sym)
	keeps := fmt.Sprintf("%s still protects everything else", c.setting)
	var last func() // a candidate that must come after the setting's own lowering
	if c.rule.Effect == rules.ReadOnly {
		// The directory a purpose-built setting would make: the one
		// being created when the program makes its own (mkdir -p,
		// os.makedirs), else the one the write needs; never a file.
		dir := target
		if sym.Op == "mkdir" && sym.Path != "" {
			dir = canonicalPath(sym.Path) // /var/run/apache2 is RuntimeDirectory=apache2's (lab: real-apache-logs)
		}
		if looksLikeFile(dir) {
			dir = path.Dir(dir)
		}
		for _, d := range rules.ExecDirectories {
			if rest, ok := strings.CutPrefix(dir, d.Root+"/"); ok && rest != "" {
				if d.RootOwned && !sb.Root {
					continue // root-owned: no use to another user
				}
				if switchedUser(sym, sb) {
					// systemd hands the directory to the unit's user, not
					// to the one the program switched to (lab: lighttpd,
					// root in the unit, www-data when it opens its log).
					continue
				}
				// The whole directory the write needs: systemd creates
				// every level of StateDirectory=a/b, and a program
				// writing a/b/file does not create b itself.
				name := rest
				if top, _, nested := strings.Cut(rest, "/"); nested && sym.Op == "mkdir" && dir == canonicalPath(sym.Path) {
					// A program making folders inside its own (nginx:
					// /var/lib/nginx/body, proxy, fastcgi… one per
					// run, lab): the folder it makes them in first.
					add([]string{d.Directive + "=" + top}, fmt.Sprintf("purpose-built: systemd creates %s/%s, %s, so the program can make %s and whatever else it keeps there", d.Root, top, givenHow(d), rest),
						d.GivesUp+"; "+keeps)
				}
				rationale := fmt.Sprintf("purpose-built: systemd creates %s/%s, %s", d.Root, name, givenHow(d))
				if sym.Op == "mkdir" && dir == canonicalPath(sym.Path) {
					rationale += "; the directory then exists before the program starts, so a program that creates it without tolerating an existing one (mkdir without -p) would see EEXIST"
				}
				add([]string{d.Directive + "=" + name}, rationale, d.GivesUp+"; "+keeps)
			}
		}
	}
	switch c.rule.Effect {
	case rules.ReadOnly:
		if sym.Errno == "ENOENT" {
			// The directory itself is missing (DynamicUser= without a
			// StateDirectory=, say): ReadWritePaths= of a missing path
			// fails the unit with 226 (lab: readwritepaths-missing).
			break
		}
		add([]string{"ReadWritePaths=" + target}, fmt.Sprintf("makes only %s writable", target), "writes to "+target+" are allowed; "+keeps)
		if d, ok := rules.LookupDirective(c.directive); ok && d.Hint != "" {
			out[len(out)-1].Rationale += "; " + d.Hint
		}
	case rules.Inaccessible, rules.TmpfsRO, rules.Tmpfs, rules.PrivateTmp:
		if target == c.rule.Path || !within(target, c.rule.Path) {
			break // a bind mount onto the hidden path itself is not something systemd orders reliably
		}
		bind := "BindReadOnlyPaths="
		if sym.Errno == "EROFS" || sym.Op == "write" || sym.Op == "mkdir" {
			bind = "BindPaths="
		}
		lines := []string{bind + target}
		if c.directive == "ProtectHome" && c.rule.Effect == rules.Inaccessible {
			lines = []string{"ProtectHome=tmpfs", bind + target}
		}
		add(lines, fmt.Sprintf("exposes only %s inside the otherwise empty %s", target, c.rule.Path),
			fmt.Sprintf("the service sees %s%s; the rest of %s stays hidden", target, map[bool]string{true: " read-only", false: ""}[bind == "BindReadOnlyPaths="], c.rule.Path))
	case rules.NoExec:
		add([]string{"ExecPaths=" + sym.Path}, fmt.Sprintf("lets %s alone be executed from the noexec tree", sym.Path), "that one file may be executed; "+keeps)
	case rules.PrivateDev:
		if sym.Errno == "EROFS" {
			// An entry made in /dev (mknod, lab: real-mknod-privatedevices),
			// not a device opened: a read-only mount does not refuse
			// writing to a device node, and DeviceAllow= of a node not yet
			// made allows nothing.
			break
		}
		allow, what, _ := deviceAllow(sym)
		allowList := func() {
			add(append([]string{"PrivateDevices=no", "DevicePolicy=closed"}, allow...),
				fmt.Sprintf("shows the real /dev but keeps a device allow-list: only %s besides the pseudo devices", what),
				"the service sees the host's device nodes, but may open only the allowed ones")
		}
		if rules.DeviceSets[sym.Path].Driver != "" {
			// It works only where the driver is loaded before the unit
			// starts: after the plain PrivateDevices=no, not before.
			last = allowList
			break
		}
		allowList()
	}
	if c.rule.explicit {
		if relisted, ok := relistWithout(sb, c.rule); ok {
			name := settingName(sb, c.directive)
			lines := []string{name + "="}
			if relisted != "" {
				lines = append(lines, name+"="+relisted)
			}
			add(lines, fmt.Sprintf("removes %s from %s", c.rule.Setting[len(c.directive)+1:], name),
				fmt.Sprintf("%s is no longer covered by %s", c.rule.Path, name))
		}
	}
	for _, weaker := range weakerValues(c.directive, sb.Props[c.directive]) {
		add([]string{c.directive + "=" + weaker}, fmt.Sprintf("lowers %s from %s to %s", c.directive, sb.Props[c.directive], weaker),
			fmt.Sprintf("everything %s=%s protected beyond %s=%s is exposed", c.directive, sb.Props[c.directive], c.directive, weaker))
		out[len(out)-1].ladder = true
	}
	if last != nil {
		last()
	}
	return out
}

// givenHow says what systemd does with a purpose-built directory beyond
// creating it: ConfigurationDirectory='s stays root's (exec-invoke.c
// leaves its owner and mode alone), the others go to the unit's user.
func givenHow(d rules.ExecDirectory) string {
	if d.RootOwned {
		return "makes it writable"
	}
	return "gives it to the service's user and makes it writable"
}

// deviceCandidates adds the one device to the allow-list (or, for
// /dev/null at setup, the policy that keeps the pseudo-devices).
func deviceCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	if c.path == "/dev/null" && sym.Kind == KindSetup {
		add([]string{"DeviceAllow=/dev/null rw"}, "adds /dev/null alone to the strict policy", "the service may open /dev/null")
		add([]string{"DevicePolicy=closed"}, "closed keeps the standard pseudo-devices (/dev/null, /dev/zero, /dev/urandom, …) and still refuses every other device", "the pseudo-devices become available; real devices stay refused")
		return out
	}
	allow, what, opens := deviceAllow(sym)
	add(allow, fmt.Sprintf("adds %s to the device allow-list", what), "the service may open "+opens)
	return out
}

// deviceAllow are the DeviceAllow= lines that let the service use the
// device it was refused, what they allow, and which nodes it may then
// open: the node alone, or every node it hands out too (rules.DeviceSets).
func deviceAllow(sym *Symptom) (lines []string, what, opens string) {
	if set, ok := rules.DeviceSets[sym.Path]; ok {
		for _, e := range set.Allow {
			lines = append(lines, "DeviceAllow="+e)
		}
		what = strings.Join(set.Allow, ", ")
		if set.Driver != "" {
			what += fmt.Sprintf(" (systemd resolves the driver's name when the unit starts: this works only where the %s module is loaded by then, as with `%s` in /etc/modules-load.d/)", set.Driver, set.Driver)
		}
		return lines, what, sym.Path + " and the devices it hands out"
	}
	mode := deviceMode(sym)
	return []string{"DeviceAllow=" + sym.Path + " " + mode}, fmt.Sprintf("%s (%s)", sym.Path, mode), sym.Path
}

// deviceMode is the access a device allow-list entry must grant: the
// kernel's record of the open says it; else the service's words ("write"
// reads as rw, anything else as r).
func deviceMode(sym *Symptom) string {
	switch {
	case sym.Access != "":
		return sym.Access
	case sym.Op == "write":
		return "rw"
	}
	return "r"
}

// deviceAccessWords: the node, and how it was opened when known.
func deviceAccessWords(sym *Symptom) string {
	switch sym.Access {
	case "r":
		return sym.Path + " for reading"
	case "w":
		return sym.Path + " for writing"
	case "rw":
		return sym.Path + " for reading and writing"
	}
	return sym.Path
}

// fileSystemCandidates allows the one file system type.
func fileSystemCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	add([]string{"RestrictFileSystems=" + c.path}, fmt.Sprintf("allows opening files on %s too", c.path),
		fmt.Sprintf("the service may open files on every %s mount; other types stay refused", c.path))
	return out
}

// relaxTarget is the narrowest path a path relaxation must open: the file
// itself for reads, else its directory (a file being created does not
// exist yet, and bind mounts need an existing source).
func relaxTarget(sym *Symptom) string {
	p := canonicalPath(sym.Path)
	if strings.HasPrefix(sym.Mode, "mode 04") {
		return p // the kernel's record says it is a directory (BIND's access() of /var/cache/bind)
	}
	for _, api := range []string{"/proc", "/sys", "/dev"} {
		if within(p, api) {
			return p // kernel files always exist; nothing is created there
		}
	}
	if sym.Errno == "EROFS" && looksLikeFile(p) {
		// A write to a file, whatever the words called it: the file may
		// not exist yet, and a path setting of a missing path stops the
		// unit at 226 (lab: ReadWritePaths=/run/nginx.pid).
		return path.Dir(p)
	}
	switch sym.Op {
	case "read", "exec":
		return p
	case "mkdir", "write":
		// A write may create the file: a mount of a missing path fails
		// the unit at setup (lab: BindPaths= of the file a service was
		// about to create ended in 226/NAMESPACE), so its directory.
		return path.Dir(p)
	}
	if sym.Errno == "EACCES" || sym.Errno == "ENOENT" {
		if sym.Op == "open" && looksLikeFile(p) {
			return path.Dir(p)
		}
		return p
	}
	if looksLikeFile(p) || sym.Errno == "EROFS" {
		return path.Dir(p)
	}
	return p
}

func looksLikeFile(p string) bool {
	base := path.Base(p)
	return strings.Contains(strings.TrimPrefix(base, "."), ".") || strings.HasPrefix(base, ".")
}

// weakerValues are the values of an enum directive that protect less,
// strongest first (the candidates beyond the purpose-built settings).
func weakerValues(directive, current string) []string {
	d := rules.Directives[directive]
	if isYes(current) {
		current = "yes"
	}
	if i := d.Rank(current); i < len(d.Ladder) {
		return d.Ladder[i+1:]
	}
	return nil
}

// relistWithout is an explicit path-list setting without the entry behind
// a rule: what a drop-in must say after resetting the list.
func relistWithout(sb *Sandbox, r *mountRule) (string, bool) {
	entry := strings.TrimPrefix(r.Setting, r.Directive+"=")
	var keep []string
	found := false
	for _, e := range splitList(sb.Props[r.Directive]) {
		if e == entry && !found {
			found = true
			continue
		}
		keep = append(keep, e)
	}
	return strings.Join(keep, " "), found
}

// canonicalPath resolves the links every systemd host has (/var/run).
func canonicalPath(p string) string {
	for from, to := range rules.PathAliases {
		if p == from || strings.HasPrefix(p, from+"/") {
			return to + p[len(from):]
		}
	}
	return p
}

// isRunFile: a path directly in /run (or /var/run).
func isRunFile(p string) bool {
	d := path.Dir(canonicalPath(p))
	return d == "/run" && looksLikeFile(p)
}

// attributePath: which mount rule makes this errno on this path.
func attributePath(sym *Symptom, sb *Sandbox) []cause {
	if pp := sb.Props["ProtectProc"]; within(sym.Path, "/proc") && procPIDEntry(sym.Path) && !sb.Root && !sb.HasCap("CAP_SYS_PTRACE") &&
		((pp == "invisible" || pp == "ptraceable") && sym.Errno == "ENOENT" || pp == "noaccess" && (sym.Errno == "EACCES" || sym.Errno == "EPERM")) {
		return []cause{{kind: causeMount, directive: "ProtectProc", setting: "ProtectProc=" + pp, confidence: High, path: sym.Path,
			rule:   &mountRule{Path: "/proc", Effect: rules.Host, Directive: "ProtectProc", Setting: "ProtectProc=" + pp},
			reason: fmt.Sprintf("ProtectProc=%s hides other users' processes from the service, so %s is not there for it", pp, sym.Path)}}
	}
	eff, rule := sb.Resolve(sym.Path)
	if within(sym.Path, "/dev") && (sym.Errno == "EPERM" || sym.Errno == "EACCES") && eff != rules.Inaccessible {
		if ok, by := sb.DeviceAllowed(sym.Path, sym.Access); !ok {
			return []cause{{kind: causeDevice, directive: directiveOf(by), setting: by, confidence: High, path: sym.Path,
				reason: fmt.Sprintf("%s does not allow %s, so the device cgroup refuses opening it with EPERM", by, deviceAccessWords(sym))}}
		}
	}
	if rule == nil {
		if sym.Errno == "EACCES" && sb.Root && !sb.InBounding("CAP_DAC_OVERRIDE") {
			return []cause{{kind: causeCapability, directive: "CapabilityBoundingSet", setting: boundingSetting(sb), confidence: Medium,
				capability: "CAP_DAC_OVERRIDE", path: sym.Path,
				reason: fmt.Sprintf("root without CAP_DAC_OVERRIDE is held to %s's file mode like any user", sym.Path)}}
		}
		if sym.Errno == "EPERM" && sym.Op == "chown" {
			return nil // let the capability check name CAP_CHOWN
		}
		return nil
	}
	explains := false
	var how string
	switch sym.Errno {
	case "EROFS":
		explains = eff == rules.ReadOnly || eff == rules.Inaccessible || eff == rules.TmpfsRO
		how = "read-only"
		if eff == rules.PrivateDev {
			// Its private /dev takes no new nodes (lab:
			// real-mknod-privatedevices, EROFS from mknod as root).
			explains, how = true, "a private /dev, read-only but for the pseudo devices it holds"
		}
	case "EACCES":
		explains = eff == rules.Inaccessible || (eff == rules.NoExec && (sym.Op == "exec" || sym.Op == "" || sym.Op == "run"))
		how = "inaccessible (an empty node of mode 0000)"
		if eff == rules.NoExec {
			how = "not executable (mounted noexec)"
		}
	case "EPERM":
		explains = eff == rules.Inaccessible && (sym.Op == "open" || sym.Op == "read")
		how = "inaccessible"
	case "ENOENT":
		switch eff {
		case rules.TmpfsRO, rules.Tmpfs:
			explains, how = true, "an empty tmpfs hiding the host's files"
		case rules.PrivateTmp:
			explains, how = true, "a private /tmp that other processes' files are not in"
		case rules.Inaccessible:
			explains, how = sb.Root || sym.AsRoot, "inaccessible (empty for root)"
		case rules.PrivateDev:
			explains, how = !keptDevice(sym.Path), "a private /dev without real devices"
		case rules.ProcPIDOnly:
			explains, how = !procPIDEntry(sym.Path), "a /proc holding only process directories"
		case rules.ReadOnly:
			if !rule.explicit && !sb.InContainer && (sym.Op == "open" || sym.Op == "write" || sym.Op == "mkdir" || sym.Op == "chmod" || sym.Op == "chown") {
				r := fmt.Sprintf("%s does not exist, and %s makes %s read-only, so the service cannot create it", path.Dir(sym.Path), rule.Setting, rule.Path)
				return []cause{{kind: causeMount, directive: rule.Directive, setting: rule.Setting, confidence: Medium, rule: rule, path: sym.Path, reason: r}}
			}
		}
	}
	if !explains {
		return nil
	}
	r := fmt.Sprintf("%s makes %s %s, hence %s", rule.Setting, rule.Path, how, sym.Errno)
	if rule.Path != sym.Path {
		r = fmt.Sprintf("%s makes %s %s; %s is below it, hence %s", rule.Setting, rule.Path, how, sym.Path, sym.Errno)
	}
	return []cause{{kind: causeMount, directive: rule.Directive, setting: rule.Setting, confidence: High, rule: rule, path: sym.Path, reason: r}}
}

func procPIDEntry(p string) bool {
	rest := strings.TrimPrefix(p, "/proc/")
	first := strings.SplitN(rest, "/", 2)[0]
	if first == "self" || first == "thread-self" {
		return true
	}
	_, err := strconv.Atoi(first)
	return err == nil
}

func keptDevice(p string) bool {
	for _, d := range rules.DeviceNodesKept {
		if within(p, d) {
			return true
		}
	}
	return false
}

// fileSystemRefusal: RestrictFileSystems= (a BPF LSM program) refuses to
// open files on other file system types.
func fileSystemRefusal(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	if fs := FileSystemOf(sym.Path); sym.Errno == "EPERM" && fs != "" && !sb.FileSystemAllowed(fs) {
		out = append(out, cause{kind: causeFileSystem, directive: "RestrictFileSystems", setting: "RestrictFileSystems=" + sb.Props["RestrictFileSystems"], confidence: High, path: fs,
			reason:  fmt.Sprintf("%s is on %s, a file system type RestrictFileSystems= does not allow: systemd's BPF LSM program refuses to open it with EPERM, and the kernel logs nothing", sym.Path, fs),
			confirm: "systemd-analyze filesystems lists the types and groups the setting takes"})
	}
	return out
}

// switchedUser: the failing process ran as another user than the unit's
// (the program dropped root itself), as the journal or the kernel says.
func switchedUser(sym *Symptom, sb *Sandbox) bool {
	if sym.UID == "" || sb.Dynamic {
		return false
	}
	// The UID the unit runs as; systemctl show says "[not set]" and D-Bus
	// 4294967295 when User= is not set.
	want := sb.Props["UID"]
	if want == "" || want == "[not set]" || want == "4294967295" {
		if !sb.Root {
			return false // a named user whose UID the evidence does not give
		}
		want = "0"
	}
	return sym.UID != want
}
