package diagnose

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// candidate is a relaxation before verification.
type candidate struct {
	Relaxation
	// ladder marks a lowered value of the directive itself: only the
	// mildest one that works is kept.
	ladder bool
	// creates lists paths the drop-in creates before the namespace is set
	// up (StateDirectory=, ExecStartPre=+mkdir): they satisfy a setup
	// failure for a missing path.
	creates []string
}

// relaxations proposes drop-ins for a cause, narrowest first, keeps only
// those under which the symptom is no longer explained by the sandbox, and
// sets aside (withheld) the broad ones when the evidence is only the
// service's own words.
func relaxations(sym *Symptom, c cause, sb *Sandbox) (kept []Relaxation, withheld []string) {
	laddered, unsafeSaid := false, false
	for _, cand := range candidates(sym, c, sb) {
		if cand.ladder && laddered {
			continue
		}
		if why := unsafeLine(cand.Lines, sym.Path); why != "" {
			// Before verification: the model would read such a line as
			// systemd does (another path, or a list), and drop it silently.
			if !unsafeSaid {
				withheld = append(withheld, fmt.Sprintf("a drop-in naming this path is not offered: %s; check the path on the host and write the line by hand", why))
				unsafeSaid = true
			}
			continue
		}
		if !verified(sym, c, sb, cand) {
			continue
		}
		laddered = laddered || cand.ladder
		if broad := broadness(cand.Lines); broad != "" && !sym.Trusted() {
			withheld = append(withheld, fmt.Sprintf("%s would also work, but it %s; it is not proposed on the service's own output alone (%s)",
				strings.Join(cand.Lines, " "), broad, corroboration(sym, sb)))
			continue
		}
		kept = append(kept, cand.Relaxation)
	}
	if len(kept) == 0 && c.kind == causeMount && sym.Path != "" && isRunFile(sym.Path) {
		// Nothing narrow exists for a file directly in /run: say so, and
		// what to do instead (lab: lighttpd's and cron's PID files).
		withheld = append(withheld, fmt.Sprintf("no narrow relaxation exists for %s: a file directly in /run cannot be made writable alone (ReadWritePaths= of a file that does not exist yet stops the unit with 226/NAMESPACE), and RuntimeDirectory= makes a folder, not a file; point the program's PID or socket file into its own folder (RuntimeDirectory=NAME, then /run/NAME/… in its configuration), or accept ReadWritePaths=/run", sym.Path))
	}
	return kept, withheld
}

// isRunFile: a path directly in /run (or /var/run).
func isRunFile(p string) bool {
	d := path.Dir(canonicalPath(p))
	return d == "/run" && looksLikeFile(p)
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

// unsafeLine says why a drop-in line must not be offered as it is: the
// path came from text the service wrote, and a character that displays as
// nothing (zero-width space, word joiner, soft hyphen, BOM, line and
// paragraph separators, tag characters), a control character, a backslash
// (systemd unescapes "\x20" and the like; harden's own escaping of the
// text looks the same) or white space (lists split on it) would make the
// line name another path than the one an operator reads.
func unsafeLine(lines []string, path string) string {
	for _, l := range lines {
		_, v, _ := strings.Cut(l, "=")
		switch {
		case Sanitize(v) != v:
			return "it holds an invisible or control character"
		case strings.ContainsRune(v, '\\'):
			return "it holds a backslash, which systemd would read as an escape"
		case strings.ContainsAny(path, " \t") && strings.ContainsAny(v, " \t"):
			return "it holds white space, which systemd reads as a list separator"
		}
	}
	return ""
}

// verified re-evaluates the symptom on the configuration the drop-in
// would produce.
func verified(sym *Symptom, c cause, sb *Sandbox, cand candidate) bool {
	if c.kind == causeFamily && sym.Family == "" {
		// The family is not known: judge the candidate as the family it
		// adds (it is offered as a guess, and says so).
		guess := *sym
		for _, l := range cand.Lines {
			if f, ok := strings.CutPrefix(l, "RestrictAddressFamilies="); ok {
				guess.Family = f
			}
		}
		sym = &guess
	}
	props := applyDropIn(sb.Props, cand.Lines, sb.Groups)
	next := NewSandbox(props, sb.Version)
	next.FileNames, next.Groups, next.NoBPF = sb.FileNames, sb.Groups, sb.NoBPF
	if c.kind == causeSetupPath {
		for _, p := range cand.creates {
			if p == c.path {
				return true
			}
		}
	}
	if next.FailsSetup() != nil && sb.FailsSetup() == nil {
		return false // the drop-in would stop the unit at setup instead
	}
	switch {
	case c.kind == causeSetup && c.directive == "User":
		return next.Dynamic || props["User"] != sb.Props["User"]
	case c.kind == causeSetup && (c.directive == "SupplementaryGroups" || c.directive == "Group"):
		return strings.TrimSpace(props[c.directive]) == ""
	case c.kind == causeLimit || c.kind == causeMemory:
		// A limit is relaxed by raising it; how far is enough only the
		// workload knows.
		return limitValue(rlimitOf(c.directive, props[c.directive])) > limitValue(rlimitOf(c.directive, sb.Props[c.directive]))
	}
	for _, nc := range explain(sym, next) {
		if nc.confidence != Low && !nc.residual && !nc.fallback {
			return false
		}
	}
	// Another user's process must become visible: invisible instead of
	// noaccess only trades EPERM for ENOENT.
	if c.directive == "ProtectProc" {
		pp := props["ProtectProc"]
		return pp == "" || pp == "default" || (pp == "ptraceable" && next.HasCap("CAP_SYS_PTRACE"))
	}
	// A path must also become usable, not fail another way: hiding
	// /home behind an empty tmpfs turns EACCES into ENOENT, and fixes
	// nothing.
	if c.kind == causeMount && sym.Path != "" && c.directive != "ProtectProc" {
		eff, _ := next.Resolve(sym.Path)
		write := sym.Errno == "EROFS" || sym.Op == "write" || sym.Op == "mkdir"
		switch eff {
		case rules.Host, rules.Writable, rules.Exec:
		case rules.ReadOnly, rules.NoExec:
			if write || (eff == rules.NoExec && (sym.Op == "exec" || sym.Op == "")) {
				return false
			}
		case rules.ProcPIDOnly:
			if !procPIDEntry(sym.Path) {
				return false
			}
		case rules.PrivateDev:
			if !keptDevice(sym.Path) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func candidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := func(lines []string, rationale, givesUp string, creates ...string) {
		out = append(out, candidate{Relaxation: Relaxation{Lines: lines, Rationale: rationale, GivesUp: givesUp}, creates: creates})
	}
	switch c.kind {
	case causeMount:
		target := relaxTarget(sym)
		keeps := fmt.Sprintf("%s still protects everything else", c.setting)
		if c.rule.Effect == rules.ReadOnly {
			// The directory a purpose-built setting would make: the one
			// being created when the program makes its own (mkdir -p,
			// os.makedirs), else the one the write needs; never a file.
			dir := target
			if sym.Op == "mkdir" && sym.Path != "" {
				dir = sym.Path
			}
			if looksLikeFile(dir) {
				dir = path.Dir(dir)
			}
			for _, d := range rules.ExecDirectories {
				if rest, ok := strings.CutPrefix(dir, d.Root+"/"); ok && rest != "" {
					if d.Directive == "ConfigurationDirectory" && !sb.Root {
						continue // root-owned: no use to another user
					}
					// The whole directory the write needs: systemd creates
					// every level of StateDirectory=a/b, and a program
					// writing a/b/file does not create b itself.
					name := rest
					if top, _, nested := strings.Cut(rest, "/"); nested && sym.Op == "mkdir" && dir == sym.Path {
						// A program making folders inside its own (nginx:
						// /var/lib/nginx/body, proxy, fastcgi… one per
						// run, lab): the folder it makes them in first.
						add([]string{d.Directive + "=" + top}, fmt.Sprintf("purpose-built: systemd creates %s/%s, gives it to the service's user and makes it writable, so the program can make %s and whatever else it keeps there", d.Root, top, rest),
							d.GivesUp+"; "+keeps)
					}
					rationale := fmt.Sprintf("purpose-built: systemd creates %s/%s, gives it to the service's user and makes it writable", d.Root, name)
					if sym.Op == "mkdir" && dir == sym.Path {
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
			mode := "r"
			if sym.Op == "write" || sym.Errno == "EROFS" {
				mode = "rw"
			}
			add([]string{"PrivateDevices=no", "DevicePolicy=closed", "DeviceAllow=" + sym.Path + " " + mode},
				fmt.Sprintf("shows the real /dev but keeps a device allow-list: only %s (%s) besides the pseudo devices", sym.Path, mode),
				"the service sees the host's device nodes, but may open only the allowed ones")
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
	case causeSetupPath:
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
	case causeSetup:
		switch c.directive {
		case "User":
			add([]string{"DynamicUser=yes"}, "systemd allocates a transient account for the service instead of the missing one; or create the account (`useradd --system "+sb.Props["User"]+"`, or a sysusers.d entry)",
				"the service gets a UID that can change between runs; give it StateDirectory= for data that must persist")
		case "Group":
			add([]string{"Group="}, "runs the service with its user's primary group instead of the missing one; or create the group (`groupadd --system "+sb.Props["Group"]+"`)",
				"whatever access the missing group was meant to give")
		case "SupplementaryGroups":
			add([]string{"SupplementaryGroups="}, "drops the supplementary groups, of which one does not exist; or create the group (`groupadd --system NAME`)", "the service loses the access the listed groups would have given")
		case "AmbientCapabilities", "CapabilityBoundingSet":
			for cp := range sb.Ambient {
				if !sb.InBounding(cp) {
					add([]string{"CapabilityBoundingSet=" + cp}, "allows in the bounding set the capability AmbientCapabilities= grants", "the service may hold "+cp)
				}
			}
		}
	case causeCapability:
		cp := c.capability
		switch {
		case c.directive == "SecureBits":
			// Ambient capabilities survive the exec under noroot: the one
			// capability, and the rest of root's stay off.
			add([]string{"AmbientCapabilities=" + cp}, "grants "+cp+" alone; SecureBits=noroot still keeps every other capability of root off",
				"the service may use "+cp+capabilityPower(cp))
			add([]string{"SecureBits="}, "drops the secure bits: root has its capabilities again", "root regains every capability in the bounding set")
		case c.directive != "CapabilityBoundingSet" && c.directive != "AmbientCapabilities":
			add([]string{c.directive + "=no"}, fmt.Sprintf("%s is what removes %s", c.setting, cp), "everything "+c.setting+" protects")
		case sb.Root || c.directive == "CapabilityBoundingSet":
			add([]string{"CapabilityBoundingSet=" + cp}, "adds "+cp+" to the bounding set", "the service may use "+cp+"; every other capability stays dropped")
		default:
			lines := []string{"AmbientCapabilities=" + cp}
			if !sb.InBounding(cp) {
				lines = append(lines, "CapabilityBoundingSet="+cp)
			}
			r := "grants the non-root service " + cp + " alone, instead of running it as root"
			if cp == "CAP_NET_BIND_SERVICE" {
				r += "; socket activation (a .socket unit with ListenStream=) avoids the capability altogether"
			}
			add(lines, r, "the service may use "+cp+capabilityPower(cp)+"; it still runs as "+orDynamic(sb))
		}
	case causeFilter:
		sc := c.syscall
		if sc == "" || strings.HasPrefix(sc, "unknown(") {
			break
		}
		add([]string{"SystemCallFilter=" + sc}, fmt.Sprintf("allows %s alone (a later SystemCallFilter= line adds to an allow-list, or removes from a deny-list)", sc),
			fmt.Sprintf("the service may call %s; every other refused call stays refused", sc))
		g := sb.Groups
		for _, grp := range g.GroupsContaining(sc) {
			if len(g.Groups[grp]) > 40 {
				continue
			}
			add([]string{"SystemCallFilter=" + grp}, fmt.Sprintf("allows the %s group (%d calls, %s among them)", grp, len(g.Groups[grp]), sc),
				fmt.Sprintf("every call of %s becomes allowed", grp))
			break
		}
	case causeNNP, causeErrnoRule, causeIPC, causeKeyring, causeNotify:
		// Switches: turning one off is the relaxation. A directive without
		// an Off entry cannot be switched off to this end (the seccomp
		// options that imply NoNewPrivileges= keep it implied).
		d, ok := rules.LookupDirective(c.directive)
		givesUp := "everything " + c.directive + "= protects"
		if ok && d.Protects != "" {
			givesUp = c.directive + "= no longer ensures that " + d.Protects
		}
		switch {
		case ok && d.Off != "":
			add([]string{d.Off}, d.OffRestores, givesUp)
		case c.kind == causeErrnoRule:
			add([]string{c.directive + "=no"}, fmt.Sprintf("%s is what refuses %s", c.directive, c.syscall), givesUp)
		}
	case causeNetwork:
		if sym.Errno == "ECONNREFUSED" && (sym.Addr == "" || isLoopback(sym.Addr)) {
			add([]string{"PrivateNetwork=no", "IPAddressDeny=any", "IPAddressAllow=localhost"}, "the service shares the host's network, but its IP traffic is limited to localhost by systemd's BPF filter",
				"the host's network namespace (and its AF_UNIX abstract sockets) become visible; IP traffic beyond localhost stays blocked")
		} else if sym.Addr != "" && !isLoopback(sym.Addr) {
			add([]string{"PrivateNetwork=no", "IPAddressDeny=any", "IPAddressAllow=" + sym.Addr}, "the service shares the host's network, with IP traffic limited to "+sym.Addr+" by systemd's BPF filter",
				"the host's network namespace becomes visible; other addresses stay blocked")
		} else {
			// The address is unknown (a name that did not resolve, say): an
			// allow-list without it would block the very traffic needed.
			add([]string{"PrivateNetwork=no"}, "the service shares the host's network; then narrow it again with IPAddressDeny=any and IPAddressAllow= for the resolver and the upstreams it needs",
				"the service reaches the network like any process on the host")
		}
	case causeFamily:
		fams := []string{sym.Family}
		if sym.Kind == KindTimeout {
			fams = []string{"AF_UNIX"}
		}
		if sym.Family == "" {
			fams = nil
			for _, f := range rules.CommonAddressFamilies {
				if !sb.FamilyAllowed(f) {
					fams = append(fams, f)
				}
			}
		}
		for _, f := range fams {
			r := fmt.Sprintf("allows %s sockets too", f)
			if sym.Family == "" {
				r += " (the message does not name the family; this is a common one the list lacks)"
			}
			add([]string{"RestrictAddressFamilies=" + f}, r, "the service may create "+f+" sockets; other families stay refused")
		}
	case causeLimit:
		if l, ok := rules.OpLimits[c.syscall]; ok && l.Limit == c.directive {
			v := orDefault(priorityIn(sym.Text), l.Propose)
			add([]string{c.directive + "=" + v}, fmt.Sprintf("lets the service's user call %s up to %s, without %s", c.syscall, v, rules.OpCapability[c.syscall]),
				"the service may "+l.Allows)
			break
		}
		cur := limitValue(sb.Props[c.directive])
		if trade := rules.LimitTrades[c.directive]; trade != "" {
			// Trading the limit for a cgroup limit of the same size keeps
			// the bound and ends the breakage.
			swap := []string{c.directive + "=infinity", fmt.Sprintf("%s=%d", trade, cur)}
			if mm := limitValue(sb.Props[trade]); mm < cur {
				swap = swap[:1] // a tighter cgroup limit is already there
			}
			r := fmt.Sprintf("replaces %s= by %s= of the same size (which counts memory used, not address space reserved)", c.directive, trade)
			g := "reservations of address space are no longer capped; the memory actually used still is"
			if containsAny(sym.Text, rules.ReservationTexts) {
				add(swap, r+": the runtime failed to reserve address space, not to get memory", g)
			} else {
				// Offered after raising the cap: the program may really
				// need the memory.
				defer func() { out = append(out, candidate{Relaxation: Relaxation{Lines: swap, Rationale: r, GivesUp: g}}) }()
			}
		}
		next := cur * 4
		next = max(next, rules.LimitFloors[c.directive])
		add([]string{fmt.Sprintf("%s=%d", c.directive, next)}, fmt.Sprintf("raises the limit from %d to %d (a start: size it to the workload's peak)", cur, next),
			"a runaway service can use more of the resource before it is stopped")
	case causeArch:
		if a := rules.AuditArchToSystemd[sym.Arch]; a != "" {
			add([]string{"SystemCallArchitectures=" + a}, fmt.Sprintf("allows system calls of the %s ABI too", a), "calls through the "+a+" ABI are no longer refused")
		}
		add([]string{"SystemCallArchitectures="}, "removes the ABI restriction", "system calls of every ABI are allowed")
	case causeDevice:
		if c.path == "/dev/null" && sym.Kind == KindSetup {
			add([]string{"DeviceAllow=/dev/null rw"}, "adds /dev/null alone to the strict policy", "the service may open /dev/null")
			add([]string{"DevicePolicy=closed"}, "closed keeps the standard pseudo-devices (/dev/null, /dev/zero, /dev/urandom, …) and still refuses every other device", "the pseudo-devices become available; real devices stay refused")
			break
		}
		mode := "r"
		if sym.Op == "write" {
			mode = "rw"
		}
		add([]string{"DeviceAllow=" + sym.Path + " " + mode}, fmt.Sprintf("adds %s (%s) to the device allow-list", sym.Path, mode), "the service may open "+sym.Path)
	case causeIP:
		if sym.Addr != "" {
			add([]string{"IPAddressAllow=" + sym.Addr}, fmt.Sprintf("lets traffic to %s through IPAddressDeny=", sym.Addr), "traffic to "+sym.Addr+" is allowed; everything else stays denied")
		}
	case causeSocketBind:
		entry := strconv.Itoa(sym.Port)
		if proto := bindProto(sym, sb); proto != "" {
			entry = proto + ":" + entry
		}
		add([]string{"SocketBindAllow=" + entry}, fmt.Sprintf("allows binding port %d; SocketBindDeny= still refuses every other port", sym.Port),
			fmt.Sprintf("the service may listen on port %d", sym.Port))
	case causeInterface:
		if c.path != "" {
			add([]string{"RestrictNetworkInterfaces=" + c.path}, fmt.Sprintf("lets traffic through %s too (a later entry of the other kind removes it from a deny list)", c.path),
				fmt.Sprintf("the service may use %s; other interfaces stay restricted", c.path))
		}
	case causeFileSystem:
		add([]string{"RestrictFileSystems=" + c.path}, fmt.Sprintf("allows opening files on %s too", c.path),
			fmt.Sprintf("the service may open files on every %s mount; other types stay refused", c.path))
	case causeMemory:
		cur := limitValue(sb.Props["MemoryMax"])
		if cur > 0 {
			next := (cur * 2) >> 20
			add([]string{fmt.Sprintf("MemoryMax=%dM", next)}, fmt.Sprintf("doubles the limit (from %dM); size it to the service's real peak, and consider MemoryHigh= below it to throttle before the kill", cur>>20),
				"the service may use more memory before the kernel kills it")
		}
	}
	return out
}

var rePriority = regexp.MustCompile(`(?i)(?:priority|prio|chrt\s+-[a-z]+)\s*[=:]?\s*(\d{1,2})\b`)

// priorityIn is the realtime priority a message asked for, "" if none.
func priorityIn(text string) string {
	if m := rePriority.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// rlimitOf turns LimitNICE='s nice level (-20…19, as unit files write it)
// into the raw RLIMIT_NICE (20 - level) that `systemctl show` prints and
// that grows with what it allows; other limits are as written.
func rlimitOf(directive, v string) string {
	if directive != "LimitNICE" || strings.HasPrefix(v, "+") {
		return strings.TrimPrefix(v, "+")
	}
	if n, err := strconv.Atoi(v); err == nil && n < 0 {
		return strconv.Itoa(20 - n)
	}
	return v
}

// capabilityPower is ", that is PRIVILEGE" for a known capability.
func capabilityPower(c string) string {
	if p := rules.CapabilityPowers[c]; p != "" {
		return ", that is " + p
	}
	return ""
}

func orDynamic(sb *Sandbox) string {
	if sb.Dynamic {
		return "a dynamic user"
	}
	return "User=" + sb.User
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// settingName is the name the unit file uses for a directive (an old name
// such as ReadWriteDirectories= if that is what it says), so the drop-in
// speaks the operator's language.
func settingName(sb *Sandbox, directive string) string {
	if n := sb.FileNames[directive]; n != "" {
		return n
	}
	return directive
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
	ladder := rules.Directives[directive].Ladder
	if isYes(current) {
		current = "yes"
	}
	for i, v := range ladder {
		if v == current {
			return ladder[i+1:]
		}
	}
	return nil
}

// broadness says why a drop-in is sweeping ("" when it is not): it makes
// the whole file system or a top-level tree writable or visible, empties a
// filter, or drops no_new_privs.
func broadness(lines []string) string {
	for _, l := range lines {
		name, value, _ := strings.Cut(l, "=")
		d, _ := rules.LookupDirective(name)
		if d.PathList == rules.Writable || d.PathList != "" && !d.Remount {
			// A path made writable, or bound in.
			for _, p := range strings.Fields(value) {
				p = path.Clean(strings.TrimLeft(p, "-+"))
				for _, b := range rules.BroadPaths {
					if p == b {
						return "opens all of " + p
					}
				}
			}
		}
		if why, ok := d.Broad.Sweeping(value); ok {
			return why
		}
	}
	return ""
}

// corroboration says what evidence beyond the service's own words would
// justify a broad relaxation.
func corroboration(sym *Symptom, sb *Sandbox) string {
	switch sym.Kind {
	case KindNNP:
		who := orDynamic(sb)
		return fmt.Sprintf("no kernel trace exists for no_new_privs; reproduce it with `systemd-run --wait -p NoNewPrivileges=yes -p %s sudo -n true`, and prefer giving the service the capability the privileged command needs (AmbientCapabilities=) or running that command as ExecStartPre=+", who)
	case KindErrno:
		if sym.Errno != "" {
			return fmt.Sprintf("an audit record of the failure would corroborate it: add `auditctl -a always,exit -F arch=b64 -F exit=-%s -F key=harden`, reproduce, then `ausearch -k harden -i`", sym.Errno)
		}
	}
	return "kernel or systemd evidence of the failure would corroborate it"
}

// limitValue reads a limit as systemctl show prints it ("infinity" is the
// largest; units K, M, G, T accepted for values written by hand).
func limitValue(v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" || v == "infinity" {
		return 1 << 62
	}
	mult := int64(1)
	switch v[len(v)-1] {
	case 'K':
		mult = 1 << 10
	case 'M':
		mult = 1 << 20
	case 'G':
		mult = 1 << 30
	case 'T':
		mult = 1 << 40
	}
	if mult > 1 {
		v = v[:len(v)-1]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0
	}
	return n * mult
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
