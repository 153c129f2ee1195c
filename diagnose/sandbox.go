package diagnose

import (
	"net"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// Sandbox is a model of what a unit's configuration does to its process,
// built only from the effective properties. It answers questions such as
// "is /var/lib/x writable in there?" and "does the process hold
// CAP_CHOWN?", and names the setting responsible for the answer.
type Sandbox struct {
	Props   map[string]string
	Version int // systemd release, 0 unknown

	User    string
	Root    bool
	Dynamic bool

	mounts   []mountRule
	Bounding map[string]bool // nil = every capability
	Ambient  map[string]bool
	// capDropper names the directive that implicitly dropped a capability.
	capDropper map[string]string

	NNP    bool
	NNPWhy string // the setting that turned no_new_privs on

	Filter *SyscallFilter

	// FileNames maps a directive to the name the unit files use for it
	// (ReadWriteDirectories for ReadWritePaths, say).
	FileNames map[string]string
	// Groups are the @group sets of the unit's systemd.
	Groups *rules.SyscallGroups
	// NoBPF is set when the host's systemd was built without its BPF
	// framework: SocketBind*=, RestrictNetworkInterfaces= and
	// RestrictFileSystems= are then accepted but not enforced.
	NoBPF bool
	// InContainer: the host is a container, whose runtime may refuse the
	// namespaces the mount settings need; systemd then runs the service
	// without them. What a mount only makes impossible (a folder it
	// stops the service from creating) is then no inference to make.
	InContainer bool
}

type mountRule struct {
	Path      string
	Effect    rules.Effect
	Directive string // e.g. ProtectSystem
	Setting   string // e.g. ProtectSystem=strict
	explicit  bool   // from a path-list or directory setting
	remount   bool   // changes an existing path's mount, brings no content
	optional  bool   // "-" prefix: skipped when the path is missing
}

// SyscallFilter is the effective SystemCallFilter=.
type SyscallFilter struct {
	Allow bool            // allow-list (else deny-list)
	Names map[string]bool // syscalls (expanded, as systemctl show prints them)
	// Errno is the errno denied calls get, "" when they kill.
	Errno string
}

// Denies reports whether the filter refuses a syscall.
func (f *SyscallFilter) Denies(name string) bool {
	if f == nil {
		return false
	}
	return f.Allow != f.Names[name]
}

// NewSandbox builds the model from systemctl show properties.
func NewSandbox(props map[string]string, version int) *Sandbox {
	s := &Sandbox{Props: props, Version: version, capDropper: map[string]string{}}
	s.Groups, _ = rules.GroupsFor(version)
	get := func(k string) string { return props[k] }
	yes := func(k string) bool { return isYes(get(k)) }

	s.Dynamic = yes("DynamicUser")
	s.User = get("User")
	s.Root = !s.Dynamic && (s.User == "" || s.User == "root" || s.User == "0")

	// Mount rules from the boolean/enum directives, as set or as implied
	// (DynamicUser=yes implies ProtectSystem=strict unless the unit asks
	// for as much, and so on).
	for _, d := range rules.DirectiveList() {
		if d.Mounts == nil {
			continue
		}
		v := get(d.Name)
		if isYes(v) {
			v = "yes"
		}
		if by, implied := s.impliedValue(d, v); by != "" {
			s.addTable(d.Name, implied, d.Name+"="+implied+" (implied by "+by+"=yes)")
			continue
		}
		s.addTable(d.Name, v, "")
	}
	for _, l := range rules.PathListDirectives {
		for _, entry := range splitList(get(l.Directive)) {
			p, eff := listEntryPath(l.Directive, entry, l.Effect)
			if p == "" {
				continue
			}
			s.mounts = append(s.mounts, mountRule{Path: p, Effect: eff, Directive: l.Directive, Setting: l.Directive + "=" + entry, explicit: true,
				remount: l.Remount, optional: strings.HasPrefix(entry, "-")})
		}
	}
	for _, d := range rules.ExecDirectories {
		for _, entry := range splitList(get(d.Directive)) {
			name, _, _ := strings.Cut(entry, ":")
			s.mounts = append(s.mounts, mountRule{Path: path.Join(d.Root, name), Effect: rules.Writable, Directive: d.Directive, Setting: d.Directive + "=" + entry, explicit: true})
		}
	}

	// Capabilities.
	if v, ok := props["CapabilityBoundingSet"]; ok && !everyCapability(capSet(v)) {
		s.Bounding = capSet(v) // (systemctl shows the untouched set too)
	}
	s.Ambient = capSet(get("AmbientCapabilities"))
	for dir, caps := range rules.ImpliedCapabilityDrops {
		if yes(dir) {
			for _, c := range caps {
				s.capDropper[c] = dir + "=yes"
			}
		}
	}

	// no_new_privs.
	nnp := rules.Directives["NoNewPrivileges"]
	switch by, _ := s.impliedValue(nnp, get(nnp.Name)); {
	case yes(nnp.Name):
		s.NNP, s.NNPWhy = true, "NoNewPrivileges=yes"
	case by != "":
		s.NNP, s.NNPWhy = true, by+"=yes"
	case version > 0 && version <= rules.LastReleaseSeccompImpliesNNP && !s.HasCap("CAP_SYS_ADMIN"):
		for _, sd := range rules.SeccompDirectives {
			v := get(sd.Directive)
			if (sd.Value == "" && v != "" && v != "no") || (sd.Value != "" && isYes(v)) {
				s.NNP, s.NNPWhy = true, sd.Directive+"= (implies NoNewPrivileges=yes up to systemd 254)"
				break
			}
		}
	}

	s.Filter = syscallFilterOf(props)
	return s
}

// syscallFilterOf is the unit's SystemCallFilter= as systemd reports it
// (nil: none).
func syscallFilterOf(props map[string]string) *SyscallFilter {
	f := strings.TrimSpace(props["SystemCallFilter"])
	if f == "" {
		return nil
	}
	sf := &SyscallFilter{Allow: !strings.HasPrefix(f, "~"), Names: map[string]bool{}}
	for _, n := range strings.Fields(strings.TrimPrefix(f, "~")) {
		n, _, _ = strings.Cut(n, ":")
		sf.Names[n] = true
	}
	if e := props["SystemCallErrorNumber"]; e != "" && e != rules.SeccompKillErrorNumber && e != "kill" && e != "0" {
		if n, err := strconv.Atoi(e); err == nil {
			if en, ok := rules.ErrnoByNum(n); ok {
				sf.Errno = en.Name
			}
		} else {
			sf.Errno = e
		}
	}
	return sf
}

// impliedValue is the value a setting takes from another that implies it
// (by), when the unit's own value v is weaker: absent, or lower on the
// setting's ladder.
func (s *Sandbox) impliedValue(d rules.Directive, v string) (by, value string) {
	for _, imp := range rules.ImpliersOf(d.Name) {
		if !isYes(s.Props[imp.By]) {
			continue
		}
		if d.Rank(v) > d.Rank(imp.Value) {
			return imp.By, imp.Value
		}
	}
	return "", ""
}

func (s *Sandbox) addTable(dir, value, setting string) {
	effects := rules.MountTables[dir][value]
	if setting == "" {
		setting = dir + "=" + value
	}
	for _, pe := range effects {
		s.mounts = append(s.mounts, mountRule{Path: pe.Path, Effect: pe.Effect, Directive: dir, Setting: setting})
	}
}

// listEntryPath turns a path-list entry into the path it mounts: "-" and
// "+" prefixes dropped, BindPaths' SRC:DEST:OPTIONS reduced to DEST,
// TemporaryFileSystem's PATH:OPTIONS to PATH (ro makes it read-only).
func listEntryPath(dir, entry string, eff rules.Effect) (string, rules.Effect) {
	entry = strings.TrimLeft(entry, "-+")
	parts := strings.Split(entry, ":")
	p := parts[0]
	switch dir {
	case "BindPaths", "BindReadOnlyPaths":
		if len(parts) > 1 && strings.HasPrefix(parts[1], "/") {
			p = parts[1]
		}
	case "TemporaryFileSystem":
		if len(parts) > 1 && strings.Contains(","+parts[1]+",", ",ro,") {
			eff = rules.TmpfsRO
		}
	}
	if !strings.HasPrefix(p, "/") {
		return "", eff
	}
	return path.Clean(p), eff
}

// Resolve says what the sandbox makes of a path, and which rule decided.
// The deepest rule covering the path wins, except that nothing nested in
// an inaccessible path becomes reachable (systemd refuses to nest).
func (s *Sandbox) Resolve(p string) (rules.Effect, *mountRule) {
	p = canonicalPath(p) // /var/run is /run on every systemd host
	p = path.Clean(p)
	var covering []*mountRule
	for i := range s.mounts {
		m := &s.mounts[i]
		if within(p, m.Path) {
			covering = append(covering, m)
		}
	}
	if len(covering) == 0 {
		for from, to := range rules.MergedUsrAliases {
			if p == from || strings.HasPrefix(p, from+"/") {
				return s.Resolve(to + p[len(from):])
			}
		}
		return rules.Host, nil
	}
	sort.SliceStable(covering, func(i, j int) bool {
		if len(covering[i].Path) != len(covering[j].Path) {
			return len(covering[i].Path) > len(covering[j].Path)
		}
		// The same path twice: systemd keeps the entry of the higher
		// priority mode (namespace.c, drop_duplicates): inaccessible, then
		// read-only, then read-write. So ReadWritePaths=/etc does not undo
		// ProtectSystem=full's /etc (lab: real-perl-config, EROFS again).
		if pi, pj := samePathPriority(covering[i].Effect), samePathPriority(covering[j].Effect); pi != pj {
			return pi < pj
		}
		if covering[i].explicit != covering[j].explicit {
			return covering[i].explicit
		}
		return covering[i].Effect != rules.Host && covering[j].Effect == rules.Host
	})
	best := covering[0]
	for _, m := range covering[1:] {
		if m.Effect == rules.Inaccessible && m.Path != best.Path && best.Effect != rules.Inaccessible {
			return rules.Inaccessible, m
		}
	}
	if t := hiddenBy(best, covering[1:]); t != nil {
		return t.Effect, t // a remount below an empty tmpfs: the host's path is not there
	}
	if best.Effect == rules.Host {
		return rules.Host, nil
	}
	return best.Effect, best
}

// samePathPriority orders the effects systemd ranks for one path; the
// others keep their order.
func samePathPriority(e rules.Effect) int {
	switch e {
	case rules.Inaccessible:
		return 0
	case rules.ReadOnly:
		return 1
	case rules.Writable:
		return 2
	}
	return 1
}

// hiddenBy is the empty tmpfs that hides a remount rule's path (covering
// holds the shallower rules, deepest first), nil when content is there: a
// bind mount between the two brings it back.
func hiddenBy(r *mountRule, covering []*mountRule) *mountRule {
	if !r.remount {
		return nil
	}
	for _, m := range covering {
		switch {
		case m.Path == r.Path:
			if m.explicit && !m.remount {
				return nil // a bind mount or tmpfs at the path itself: it exists
			}
		case m.Effect == rules.Tmpfs || m.Effect == rules.TmpfsRO:
			return m
		case m.explicit && !m.remount:
			return nil // a bind mount or purpose-built directory brings content
		}
	}
	return nil
}

// FailsSetup is a path entry systemd cannot apply, so that the unit would
// fail with 226/NAMESPACE before running: a remount entry, not marked
// optional with "-", whose path an empty tmpfs hides.
func (s *Sandbox) FailsSetup() *mountRule {
	for i := range s.mounts {
		r := &s.mounts[i]
		if !r.remount || r.optional {
			continue
		}
		var covering []*mountRule
		for j := range s.mounts {
			if m := &s.mounts[j]; m != r && within(r.Path, m.Path) {
				covering = append(covering, m)
			}
		}
		sort.SliceStable(covering, func(a, b int) bool { return len(covering[a].Path) > len(covering[b].Path) })
		if hiddenBy(r, covering) != nil {
			return r
		}
	}
	return nil
}

// within reports whether p is root or below it.
func within(p, root string) bool {
	if root == "/" {
		return true
	}
	return p == root || strings.HasPrefix(p, root+"/")
}

// HasCap reports whether the main process holds a capability: root holds
// its bounding set; another user its ambient set, as far as the bounding
// set allows.
func (s *Sandbox) HasCap(c string) bool {
	if _, dropped := s.capDropper[c]; dropped {
		return false
	}
	inBounding := s.Bounding == nil || s.Bounding[c]
	if s.Root && !s.NoRoot() {
		return inBounding
	}
	return inBounding && s.Ambient[c]
}

// NoRoot: SecureBits=noroot, so being root grants no capability; only
// ambient ones remain (capabilities(7), "SECBIT_NOROOT").
func (s *Sandbox) NoRoot() bool {
	v := strings.TrimSpace(s.Props["SecureBits"])
	if n, err := strconv.Atoi(v); err == nil {
		return n&1 != 0 // systemctl show prints the bit mask: SECBIT_NOROOT is bit 0
	}
	for _, b := range strings.Fields(v) {
		if b == "noroot" {
			return true
		}
	}
	return false
}

// InBounding reports whether the bounding set allows a capability.
func (s *Sandbox) InBounding(c string) bool {
	if _, dropped := s.capDropper[c]; dropped {
		return false
	}
	return s.Bounding == nil || s.Bounding[c]
}

// everyCapability: set holds every capability Linux has (an untouched
// bounding set, which removes nothing).
func everyCapability(set map[string]bool) bool {
	for _, c := range rules.Capabilities {
		if !set[c] {
			return false
		}
	}
	return true
}

func capSet(v string) map[string]bool {
	out := map[string]bool{}
	for _, c := range strings.Fields(v) {
		out[strings.ToUpper(c)] = true
	}
	return out
}

func splitList(v string) []string { return strings.Fields(v) }

// isYes reads a boolean setting (rules.IsTrue).
func isYes(v string) bool { return rules.IsTrue(v) }

// deviceRestriction is one way the unit keeps devices from the service.
type deviceRestriction struct {
	directive, setting string
	clause             string // what it does, naming the setting
	errno              string // what the service then sees
	off                string // the setting that lifts it, for one run
}

// deviceRestrictions are the unit's settings that hide or refuse devices.
func (s *Sandbox) deviceRestrictions() []deviceRestriction {
	var out []deviceRestriction
	if isYes(s.Props["PrivateDevices"]) {
		out = append(out, deviceRestriction{"PrivateDevices", "PrivateDevices=yes", "PrivateDevices=yes gives the service a /dev without real devices: every other node is missing", "ENOENT", "PrivateDevices=no"})
	}
	if p := s.Props["DevicePolicy"]; p == "closed" || p == "strict" {
		out = append(out, deviceRestriction{"DevicePolicy", "DevicePolicy=" + p, "DevicePolicy=" + p + " refuses to open every device DeviceAllow= does not list", "EPERM", "DevicePolicy=auto"})
	}
	return out
}

// DeviceAllowed says whether the device cgroup lets the service open a
// node with access ("r", "w", "rw"; "" unknown), and the setting that
// decides.
func (s *Sandbox) DeviceAllowed(p, access string) (bool, string) {
	policy := s.Props["DevicePolicy"]
	allow := s.Props["DeviceAllow"]
	if (policy == "" || policy == "auto") && strings.TrimSpace(allow) == "" {
		return true, ""
	}
	f := strings.Fields(allow)
	for i := 0; i < len(f); i++ {
		if f[i] != p && !(strings.HasSuffix(f[i], "*") && strings.HasPrefix(p, strings.TrimSuffix(f[i], "*"))) {
			continue
		}
		// Each entry is a node and its access letters (r, w, m).
		if i+1 < len(f) && !strings.HasPrefix(f[i+1], "/") && !strings.Contains(f[i+1], ":") &&
			strings.Trim(access, f[i+1]) != "" {
			return false, "DeviceAllow=" + f[i] + " " + f[i+1]
		}
		return true, ""
	}
	if policy != "strict" {
		for _, d := range rules.DevicesKeptByPolicy {
			if within(p, d) {
				return true, ""
			}
		}
	}
	if policy == "closed" || policy == "strict" {
		return false, "DevicePolicy=" + policy
	}
	return false, "DeviceAllow=" + allow
}

// AddressDenied says whether IPAddressDeny=/IPAddressAllow= drop traffic
// to an address ("" = unknown: denied if anything is denied).
func (s *Sandbox) AddressDenied(addr string) bool {
	deny := strings.Fields(s.Props["IPAddressDeny"])
	if len(deny) == 0 {
		return false
	}
	if addr == "" {
		return true
	}
	if addr == "localhost" {
		addr = "127.0.0.1"
	}
	ip := net.ParseIP(addr)
	if ip == nil {
		return true
	}
	in := func(list []string) bool {
		for _, p := range list {
			switch p {
			case "any":
				return true
			case "localhost":
				p = "127.0.0.0/8"
			case "link-local":
				p = "169.254.0.0/16"
			case "multicast":
				p = "224.0.0.0/4"
			}
			if !strings.Contains(p, "/") {
				if ip.Equal(net.ParseIP(p)) {
					return true
				}
				continue
			}
			if _, n, err := net.ParseCIDR(p); err == nil && n.Contains(ip) {
				return true
			}
		}
		return false
	}
	return in(deny) && !in(strings.Fields(s.Props["IPAddressAllow"]))
}

// FamilyAllowed says whether RestrictAddressFamilies= lets socket() create
// a family.
func (s *Sandbox) FamilyAllowed(fam string) bool {
	if strings.TrimSpace(s.Props["RestrictAddressFamilies"]) == "none" {
		return false
	}
	return listAllows(s.Props["RestrictAddressFamilies"], nil, func(f string) bool { return f == fam })
}

// listAllows evaluates the allow lists (and "~" deny lists) of
// RestrictAddressFamilies=, RestrictNetworkInterfaces= and
// RestrictFileSystems=: an empty list allows everything; otherwise the
// item is allowed when it is listed in an allow list or missing from a
// deny list. expand, when set, turns an entry into what it stands for.
func listAllows(v string, expand func([]string) []string, matches func(entry string) bool) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return true
	}
	deny := strings.HasPrefix(v, "~")
	entries := strings.Fields(strings.TrimPrefix(v, "~"))
	if expand != nil {
		entries = expand(entries)
	}
	listed := false
	for _, e := range entries {
		if matches(e) {
			listed = true
			break
		}
	}
	return listed != deny
}

// InterfaceAllowed says whether RestrictNetworkInterfaces= lets traffic
// through a network interface.
func (s *Sandbox) InterfaceAllowed(name string) bool {
	if s.NoBPF {
		return true
	}
	return listAllows(s.Props["RestrictNetworkInterfaces"], nil, func(e string) bool { return e == name })
}

// FileSystemAllowed says whether RestrictFileSystems= lets the process
// open files on a file system type. The kernel compares magic numbers,
// so a type allows every type that shares its magic (tmpfs, devtmpfs).
func (s *Sandbox) FileSystemAllowed(fsType string) bool {
	if s.NoBPF || fsType == "" {
		return true
	}
	t := rules.FileSystemTable()
	return listAllows(s.Props["RestrictFileSystems"], t.Expand, func(e string) bool { return t.SameType(e, fsType) })
}

// FileSystemOf is the type of the kernel API file system a path is on,
// or "" when the path is on a file system only the host can name.
func FileSystemOf(p string) string {
	for _, m := range rules.APIFileSystems {
		if within(p, m.Path) {
			return m.Type
		}
	}
	return ""
}

// BindAllowed says whether SocketBindAllow=/SocketBindDeny= let the
// process bind a port (proto "tcp", "udp" or "" for unknown). As in
// systemd's socket-bind BPF program, an allow rule that matches wins,
// then a deny rule that matches refuses, and anything else is allowed.
func (s *Sandbox) BindAllowed(proto string, port int) bool {
	if s.NoBPF {
		return true
	}
	match := func(list string) bool {
		for _, e := range strings.Fields(list) {
			if r, ok := parseBindRule(e); ok && r.matches(proto, port) {
				return true
			}
		}
		return false
	}
	if match(s.Props["SocketBindAllow"]) {
		return true
	}
	return !match(s.Props["SocketBindDeny"])
}

// bindRule is one SocketBindAllow=/SocketBindDeny= entry: in unit files
// "[ipv4:|ipv6:][tcp:|udp:]PORT[-PORT]" or "any"; `systemctl show` writes
// the same without colons ("tcp8080", "ipv6udp53-54").
type bindRule struct {
	proto  string // "" any
	lo, hi int    // 0, 0: any port
}

func parseBindRule(e string) (bindRule, bool) {
	var r bindRule
	e = strings.ToLower(e)
	for _, fam := range []string{"ipv4", "ipv6"} {
		if rest, ok := strings.CutPrefix(e, fam); ok {
			e = strings.TrimPrefix(rest, ":") // the family is not modelled: it matches both
		}
	}
	for _, proto := range []string{"tcp", "udp"} {
		if rest, ok := strings.CutPrefix(e, proto); ok {
			r.proto, e = proto, strings.TrimPrefix(rest, ":")
		}
	}
	if e == "any" || e == "" {
		return r, true
	}
	lo, hi, isRange := strings.Cut(e, "-")
	a, err := strconv.Atoi(lo)
	if err != nil {
		return r, false
	}
	r.lo, r.hi = a, a
	if isRange {
		b, err := strconv.Atoi(hi)
		if err != nil {
			return r, false
		}
		r.hi = b
	}
	return r, true
}

func (r bindRule) matches(proto string, port int) bool {
	if r.proto != "" && proto != "" && r.proto != proto {
		return false
	}
	return r.lo == 0 && r.hi == 0 || port >= r.lo && port <= r.hi
}
