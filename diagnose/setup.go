package diagnose

import (
	"fmt"
	"path"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// Setup: settings systemd could not apply before the program ran
// (exit statuses 200-243), and what makes them applicable.

// setupPathCandidates for a listed path that does not exist: the
// purpose-built directory that creates it, or the "-" prefix.
func setupPathCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	p := c.path
	for _, d := range rules.ExecDirectories {
		if rest, ok := strings.CutPrefix(p, d.Root+"/"); ok && !strings.Contains(rest, "/") && c.directive == "ReadWritePaths" && !looksLikeFile(p) {
			add([]string{d.Directive + "=" + rest}, fmt.Sprintf("systemd creates %s itself before setting up the namespace, and makes it writable", p), d.GivesUp, p)
		}
	}
	name := settingName(sb, c.directive)
	entries := splitList(sb.Props[c.directive])
	var relisted []string
	for _, e := range entries {
		e = strings.TrimSuffix(e, ":rbind") // systemctl show spells out the default
		if q, _ := listEntryPath(c.directive, e, rules.Writable); q == p && !strings.HasPrefix(e, "-") {
			e = "-" + e
		}
		relisted = append(relisted, e)
	}
	add([]string{name + "=", name + "=" + strings.Join(relisted, " ")},
		fmt.Sprintf("the '-' prefix lets the service start while %s is missing; if the program needs it, create it (`mkdir -p %s`, or a tmpfiles.d line `d %s 0755 USER GROUP -` so it survives reboots); ExecStartPre=+mkdir does not help: systemd 252 sets up the same namespace for it and fails the same way (seen in the lab)", p, p, p),
		fmt.Sprintf("nothing of the sandbox; while %s is missing the program runs without it", p), p)
	return out
}

// setupCandidates lets a unit whose account or capability sets systemd
// could not apply start: the record's Missing drop-in, or the bounding
// set widened to the ambient capability.
func setupCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	if m := rules.Directives[c.directive].Missing; m != nil {
		fill := strings.NewReplacer("{value}", sb.Props[c.directive])
		add(m.Lines, fill.Replace(m.Rationale), fill.Replace(m.GivesUp))
	}
	switch c.directive {
	case "AmbientCapabilities", "CapabilityBoundingSet":
		for cp := range sb.Ambient {
			if !sb.InBounding(cp) {
				add([]string{"CapabilityBoundingSet=" + cp}, "allows in the bounding set the capability AmbientCapabilities= grants", "the service may hold "+cp)
			}
		}
	}
	return out
}

func attributeSetup(sym *Symptom, sb *Sandbox) []cause {
	sm := sym.Setup
	if sm == nil {
		return nil
	}
	if sm.Step == "STDIN" {
		// The standard streams are /dev/null unless set otherwise: a device
		// policy that does not keep it stops the unit before exec.
		if ok, by := sb.DeviceAllowed("/dev/null", ""); !ok && (sym.Errno == "EPERM" || sym.Errno == "") {
			return []cause{{kind: causeDevice, directive: directiveOf(by), setting: by, confidence: High, path: "/dev/null",
				reason: by + " does not allow /dev/null, which systemd opens as the service's standard input and output, so the program never starts (208)"}}
		}
		return nil
	}
	if sm.Executable {
		// The program itself: judged as an exec() of its path; a missing
		// or non-executable program the mounts do not explain is the
		// host's, not the sandbox's.
		if sym.Path == "" {
			return nil
		}
		x := *sym
		x.Kind, x.AsRoot = KindErrno, true // the executor looks it up as root
		return attributeErrno(&x, sb)
	}
	if sm.PathList {
		if sym.Path == "" {
			return []cause{{kind: causeSetup, directive: "ProtectSystem", setting: "mount namespace", confidence: Low,
				reason: "systemd could not build the unit's mount namespace and did not name the path"}}
		}
		for _, l := range rules.PathListDirectives {
			for _, entry := range splitList(sb.Props[l.Directive]) {
				p, _ := listEntryPath(l.Directive, entry, l.Effect)
				src := strings.TrimLeft(strings.SplitN(entry, ":", 2)[0], "-+")
				if (p == sym.Path || path.Clean(src) == sym.Path) && !strings.HasPrefix(entry, "-") {
					why := fmt.Sprintf("%s lists %s, which systemd could not mount: %s", l.Directive, sym.Path, sym.Errno)
					if sym.Errno == "ENOENT" {
						why = fmt.Sprintf("%s lists %s, which does not exist, so systemd cannot set up the mount namespace and the service never runs", l.Directive, sym.Path)
					}
					return []cause{{kind: causeSetupPath, directive: l.Directive, setting: l.Directive + "=" + entry, confidence: High,
						reason: why, path: sym.Path}}
				}
			}
		}
		return []cause{{kind: causeSetup, directive: "ReadWritePaths", setting: "mount namespace", confidence: Low, path: sym.Path,
			reason: fmt.Sprintf("systemd could not mount %s (%s), but no path setting of the unit names it", sym.Path, sym.Errno)}}
	}
	dir := sm.Directives[0]
	if sm.ExecDirRoot {
		for _, d := range rules.ExecDirectories {
			if d.Root == sym.Path {
				dir = d.Directive
			}
		}
	}
	setting := dir + "=" + sb.Props[dir]
	reason := fmt.Sprintf("systemd could not apply %s before starting the program (%s)", dir, sym.Errno)
	d := rules.Directives[dir]
	if d.Missing != nil {
		reason = strings.NewReplacer("{value}", sb.Props[dir]).Replace(d.Missing.Reason)
	}
	switch {
	case d.PurposeBuilt != nil && (sym.Errno == "ENOTDIR" || sym.Errno == "EEXIST"):
		var paths []string
		for _, name := range strings.Fields(sb.Props[dir]) {
			name, _, _ = strings.Cut(name, ":")
			paths = append(paths, path.Join(sym.Path, name))
		}
		where := strings.Join(paths, " ")
		if where == "" { // (the unit's configuration is not known)
			where = "its directory under " + sym.Path
		}
		reason = fmt.Sprintf("%s: systemd creates %s, but something that is not a directory is in the way there (%s); move it aside and systemd creates the directory — this is the host's state, not a setting to relax",
			setting, where, sym.Errno)
	case dir == "AmbientCapabilities":
		var missing []string
		for c := range sb.Ambient {
			if !sb.InBounding(c) {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			reason = "AmbientCapabilities= asks for " + strings.Join(missing, " ") + ", which CapabilityBoundingSet= does not allow"
		}
	}
	return []cause{{kind: causeSetup, directive: dir, setting: setting, confidence: High, reason: reason}}
}
