package diagnose

import (
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

// SymptomKind is what kind of failure a symptom is.
type SymptomKind string

const (
	KindErrno       SymptomKind = "errno"             // an operation failed with an errno
	KindSetup       SymptomKind = "setup"             // systemd could not apply a setting before exec
	KindSeccompKill SymptomKind = "seccomp-kill"      // killed by SIGSYS from a seccomp filter
	KindNNP         SymptomKind = "no-new-privileges" // a setuid helper refused to run
	KindLSM         SymptomKind = "lsm"               // SELinux or AppArmor denial
	KindOOM         SymptomKind = "oom"               // killed by the OOM killer
	KindSignal      SymptomKind = "signal"            // killed by a resource-limit signal
	KindTimeout     SymptomKind = "timeout"           // the start timed out
	KindNotify      SymptomKind = "notify-refused"    // PID 1 refused a readiness notification
)

// Symptom is one observed failure, with what could be read from it.
type Symptom struct {
	Kind  SymptomKind
	Errno string // EACCES
	Path  string // file system path involved
	Op    string // operation: open, read, write, mkdir, bind, connect, chown, a syscall name…
	Port  int
	// PortGuessed: the message named no port; Port is the one the
	// command line names.
	PortGuessed bool
	Addr        string
	Syscall     string // for seccomp records
	Arch        string
	Code        string // seccomp action code
	Signal      int    // the signal that killed the process
	Family      string // address family (AF_INET6) when named
	Mode        string // file mode and owner, when the kernel reported them
	Step        string // setup step (exit status name)
	Setup       *rules.SetupMessage
	// AsRoot: the operation was made with root's rights whatever User=
	// says (systemd's executor looks the program up before it drops them).
	AsRoot bool
	// NoSetID: the kernel's record shows the call neither created a file
	// with, nor set, a setuid or setgid mode (rules.Refusal.SetIDOnly).
	NoSetID bool
	// ErrnoAlternatives are the other errnos the wording may stand for
	// (procps' "permission denied on key" is EACCES, EPERM or EROFS).
	ErrnoAlternatives []string
	Text              string // the line it was read from
	Origin            journal.Provenance
	Time              time.Time
	PID               int
	// UID is the user the failing process ran as, when the journal
	// (_UID, which journald sets) or the kernel's record says it; "" when
	// unknown. A program that switches user itself (lighttpd, nginx's
	// workers) runs as another than the unit's User=.
	UID string
	// ParentOnly: the kernel's record named only the folder the call
	// worked in, not the file or folder it was creating.
	ParentOnly bool
	// AtDeath: the kernel's record was tied to the run only by the moment
	// PID 1 reports its SIGSYS death (no journal line gives its PID): a
	// finding from it is at most of medium confidence.
	AtDeath bool
	// Access is how the kernel's record shows a file was opened: "r",
	// "w" or "rw" ("" unknown). A device allow-list entry grants each
	// separately (DeviceAllow=/dev/console r refuses a write-only open).
	Access string
	// Quotes lines supporting this symptom (the first is Text's).
	Quotes []Quote
}

// Trusted reports whether the symptom rests on kernel or systemd evidence.
func (s *Symptom) Trusted() bool { return s.Origin != journal.FromService }

var (
	reConfLine   = regexp.MustCompile(`^/\S+:\d+$`)
	reErrnoPy    = regexp.MustCompile(`\[Errno (-?\d+)\]`)
	reErrnoRust  = regexp.MustCompile(`\(os error (\d+)\)|Os \{ code: (\d+)`)
	reErrnoNum   = regexp.MustCompile(`(?i)\berrno[=:\s]+(-?\d+)`)
	reErrnoName  = regexp.MustCompile(`\bE[A-Z0-9]{2,15}\b`)
	reQuotedPath = regexp.MustCompile(`['"‘“](/[^'"’”\n]*)['"’”]`)
	reBarePath   = regexp.MustCompile(`(?:^|[\s=(\[,])(/[^\s'",()\[\]]*[^\s'",()\[\]:.])`)
	reCodeLoc    = regexp.MustCompile(`^(?::\s?\d+(?::|\b)|", line \d+|\.\w+:\d+)`)
	reProtoPort  = regexp.MustCompile(`(?i)\b(?:tcp|udp)[46]?\s+\[?([0-9a-f:.]*?)\]?:(\d{1,5})\b`)
	reWordPort   = regexp.MustCompile(`(?i)\bport[\s:=]+(\d{1,5})\b`)
	rePyAddr     = regexp.MustCompile(`\('([0-9a-fA-F.:]*|localhost)',\s*(\d{1,5})[,)]`) // Python's ('0.0.0.0', 9100)
	// ADDRESS:PORT, or BIND's ADDRESS#PORT (dig: "UDP setup with 192.0.2.53#53").
	reAddrPort = regexp.MustCompile(`\b(\d{1,3}(?:\.\d{1,3}){3}|localhost|\[[0-9a-fA-F:.]*\])[:#](\d{1,5})\b`)
	reTimeLike = regexp.MustCompile(`\b\d{1,2}:\d{2}(?::\d{2})?\b`)
	reFamily   = regexp.MustCompile(`\bAF_[A-Z0-9]+\b`)
	reWord     = regexp.MustCompile(`[a-z][a-z0-9_]{2,23}`)
	reOpenMode = regexp.MustCompile(`\bf?open\([^)]*,\s*(?:mode\s*=\s*)?['"]([rwax+bt]+)['"]`)
)

var (
	textOnce    sync.Once
	textToErrno map[string]string
	// textsByWord indexes the errno texts by their longest word, so a line
	// is compared only with the texts whose key word it contains.
	textsByWord map[string][]string
	opWords     []struct {
		re *regexp.Regexp
		op string
		// literals: one of these (lower case) is in every line the
		// pattern matches; a line with none skips the regexp.
		literals []string
	}
	nnpTexts     []prefiltered
	consequences []prefiltered // rules.Consequences, in order
)

func buildTextTables() {
	textToErrno = map[string]string{}
	textsByWord = map[string][]string{}
	for _, e := range rules.ErrnoTexts() { // longest first
		k := strings.ToLower(e.Text)
		if _, dup := textToErrno[k]; dup {
			continue
		}
		textToErrno[k] = e.Name
		key := ""
		for _, w := range textWords(k) {
			if len(w) > len(key) {
				key = w
			}
		}
		textsByWord[key] = append(textsByWord[key], k)
	}
	for _, w := range rules.OperationWords {
		opWords = append(opWords, struct {
			re       *regexp.Regexp
			op       string
			literals []string
		}{regexp.MustCompile(`(?i)(?:^|[^a-z_])(?:` + w.Pattern + `)(?:$|[^a-z_])`), w.Op, patternLiterals(w.Pattern)})
	}
	for _, t := range rules.NoNewPrivilegesTexts {
		nnpTexts = append(nnpTexts, newPrefiltered(t))
	}
	for _, c := range rules.Consequences {
		consequences = append(consequences, newPrefiltered(c.Pattern))
	}
}

// knownSyscalls is the newest @known list: words in messages that are
// syscall names followed by ':' or '(' name the operation.
func knownSyscalls() map[string]bool {
	g, _ := rules.GroupsFor(0)
	return g.Groups["@known"]
}

// ParseErrnoText finds the errno a line of program output reports, and the
// span of the text that said so. It understands errno names (EACCES),
// numbers in the forms runtimes print ([Errno 13], (os error 13),
// errno=13, errno: -13), strerror texts in any case, and runtime-specific
// names (Rust's ErrorKind, Java exception classes).
func ParseErrnoText(line string) (name string, start, end int) {
	textOnce.Do(buildTextTables)
	if m := reErrnoPy.FindStringSubmatchIndex(line); m != nil {
		n, _ := strconv.Atoi(line[m[2]:m[3]])
		if nm := errnoNameOf(n); nm != "" {
			return nm, m[0], m[1]
		}
	}
	// Rust's forms, and errno=N below, are searched only in lines holding
	// their literal: without a literal prefix Go's regexp engine steps
	// through the whole line, and every line of a failed run comes here.
	if m := rustErrno(line); m != nil {
		g := 2
		if m[2] < 0 {
			g = 4
		}
		n, _ := strconv.Atoi(line[m[g]:m[g+1]])
		if nm := errnoNameOf(n); nm != "" {
			return nm, m[0], m[1]
		}
	}
	for _, m := range reErrnoName.FindAllStringIndex(line, -1) {
		if _, ok := rules.ErrnoByName(line[m[0]:m[1]]); ok {
			return canonicalErrno(line[m[0]:m[1]]), m[0], m[1]
		}
	}
	if name, s, e := findErrnoText(line); name != "" {
		return name, s, e
	}
	for _, a := range rules.TextAliases {
		if i := strings.Index(line, a.Text); i >= 0 {
			return a.Errno, i, i + len(a.Text)
		}
	}
	if m := errnoNum(line); m != nil {
		n, _ := strconv.Atoi(line[m[2]:m[3]])
		if nm := errnoNameOf(n); nm != "" {
			return nm, m[0], m[1]
		}
	}
	return "", -1, -1
}

func rustErrno(line string) []int {
	if !strings.Contains(line, "os error") && !strings.Contains(line, "Os {") {
		return nil
	}
	return reErrnoRust.FindStringSubmatchIndex(line)
}

// errnoNum matches reErrnoNum where the line holds "errno" in any case.
func errnoNum(line string) []int {
	for i := 0; i+5 <= len(line); i++ {
		if c := line[i]; (c == 'e' || c == 'E') && strings.EqualFold(line[i:i+5], "errno") {
			return reErrnoNum.FindStringSubmatchIndex(line)
		}
	}
	return nil
}

func canonicalErrno(name string) string {
	if e, ok := rules.ErrnoByName(name); ok {
		return e.Name
	}
	return name
}

// errnoNameOf maps an errno number; negative numbers are getaddrinfo's
// EAI_* codes as Python reports them, or -errno as Node reports it.
func errnoNameOf(n int) string {
	switch n {
	case -2:
		return "EAI_NONAME"
	case -3:
		return "EAI_AGAIN"
	}
	if n < 0 {
		n = -n
	}
	if e, ok := rules.ErrnoByNum(n); ok {
		return e.Name
	}
	return ""
}

// ParsePath returns the first file system path in a line that is not a
// source-code location (traceback frames, "script: 9:" prefixes), with
// systemd's namespace staging prefix removed.
func ParsePath(line string) string {
	type cand struct {
		pos  int
		path string
	}
	var cs []cand
	for _, m := range reQuotedPath.FindAllStringSubmatchIndex(line, -1) {
		cs = append(cs, cand{m[2], line[m[2]:m[3]]})
	}
	for _, m := range reBarePath.FindAllStringSubmatchIndex(line, -1) {
		cs = append(cs, cand{m[2], line[m[2]:m[3]]})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].pos < cs[j].pos })
	for _, c := range cs {
		after := line[c.pos+len(c.path):]
		if len(after) > 0 && (after[0] == '"' || after[0] == '\'') {
			after = after[1:]
		}
		if reCodeLoc.MatchString(after) || c.path == "/" || strings.HasPrefix(c.path, "//") {
			continue
		}
		p := strings.TrimPrefix(c.path, rules.UnitRootPrefix)
		if p == "" {
			p = "/"
		}
		return p
	}
	return ""
}

// ParsePort finds a port (and address) in a line: "0.0.0.0:443",
// "tcp :80", "port 25".
func ParsePort(line string) (addr string, port int) {
	if !strings.ContainsAny(line, "0123456789") {
		return "", 0 // every form below has the port's digits
	}
	if m := rePyAddr.FindStringSubmatch(line); m != nil {
		p, _ := strconv.Atoi(m[2])
		return m[1], p
	}
	if m := reAddrPort.FindStringSubmatch(line); m != nil {
		p, _ := strconv.Atoi(m[2])
		return strings.Trim(m[1], "[]"), p
	}
	clean := reTimeLike.ReplaceAllString(line, " ")
	if m := reProtoPort.FindStringSubmatch(clean); m != nil {
		p, _ := strconv.Atoi(m[2])
		return m[1], p
	}
	if m := reWordPort.FindStringSubmatch(clean); m != nil {
		p, _ := strconv.Atoi(m[1])
		return "", p
	}
	return "", 0
}

// ParseOp names the operation a line reports as failed; the errno text is
// removed first so that "Read-only file system" does not read as "read".
func ParseOp(line string, errStart, errEnd int) string {
	textOnce.Do(buildTextTables)
	if errStart >= 0 {
		line = line[:errStart] + " " + line[errEnd:]
	}
	line = strings.ReplaceAll(strings.ReplaceAll(line, "read-only", ""), "Read-only", "")
	if m := reOpenMode.FindStringSubmatch(line); m != nil {
		if strings.ContainsAny(m[1], "wax+") {
			return "write"
		}
		return "read"
	}
	known := knownSyscalls()
	for _, name := range syscallWords(line) {
		if known[name] {
			switch name {
			case "open", "openat", "creat":
				if strings.Contains(line, "open(") && !strings.Contains(line, ",") {
					return "read" // open(path) without a mode: Python's and C's default is reading
				}
				return "open"
			case "listen":
				return "bind"
			}
			return name
		}
	}
	lower := strings.ToLower(line)
	for _, w := range opWords {
		if containsAny(lower, w.literals) && w.re.MatchString(line) {
			return w.op
		}
	}
	return ""
}

// patternLiterals is, for each alternative of a pattern, its leading run
// of plain characters (lower case): a prefilter that lets most lines skip
// the regular expression. An alternative without one yields "", which
// every line contains.
func patternLiterals(pattern string) []string {
	var out []string
	for _, alt := range strings.Split(pattern, "|") {
		end := strings.IndexAny(alt, `.*+?()[]{}\^$`)
		if end < 0 {
			end = len(alt)
		}
		out = append(out, strings.ToLower(alt[:end]))
	}
	return out
}

// ParseServiceLine extracts a symptom from one line of a program's output.
func ParseServiceLine(line string) (Symptom, bool) {
	p := parsedLines.get(line, func(line string) parsedLine {
		sym, ok := parseServiceLine(line)
		return parsedLine{sym, ok}
	})
	return p.sym, p.ok
}

// parsedLines remembers the lines ParseServiceLine read last: a service
// that fails over and over writes the same lines each time (a crash loop's
// thousands of runs), and a line costs tens of microseconds of regular
// expressions. The answer is a function of the line alone.
var parsedLines = newLineMemo[parsedLine]()

type parsedLine struct {
	sym Symptom
	ok  bool
}

// lineOps remembers what ParseOp found in the lines a run's stack frames
// and look-backs asked about (ParseOpOfLine), for the same reason.
var lineOps = newLineMemo[string]()

// ParseOpOfLine is ParseOp of a whole line (no errno text in it).
func ParseOpOfLine(line string) string {
	return lineOps.get(line, func(line string) string { return ParseOp(line, -1, -1) })
}

// lineMemo holds answers that are a function of a line alone, for lines
// read again and again. Bounded: it is emptied when full, and long lines
// are not kept. Safe for concurrent use.
type lineMemo[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

func newLineMemo[T any]() *lineMemo[T] { return &lineMemo[T]{m: map[string]T{}} }

// get is f(line), remembered.
func (c *lineMemo[T]) get(line string, f func(string) T) T {
	if len(line) > parsedLineMax {
		return f(line)
	}
	c.mu.Lock()
	v, ok := c.m[line]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = f(line)
	c.mu.Lock()
	if len(c.m) >= parsedLinesMax {
		clear(c.m)
	}
	c.m[line] = v
	c.mu.Unlock()
	return v
}

// len is how many lines are held.
func (c *lineMemo[T]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

const (
	parsedLinesMax = 8192
	parsedLineMax  = 1024
)

func parseServiceLine(line string) (Symptom, bool) {
	textOnce.Do(buildTextTables)
	lower := strings.ToLower(line)
	for _, p := range nnpTexts {
		if p.mayMatch(lower) && p.re.MatchString(line) {
			return Symptom{Kind: KindNNP, Op: "setuid-helper", Text: line}, true
		}
	}
	name, s, e := ParseErrnoText(line)
	cq, fact := consequenceOf(line, lower)
	if name == "" {
		for _, f := range rules.ImpliedFailures {
			if strings.Contains(line, f.Text) {
				return Symptom{Kind: KindErrno, Errno: f.Errno, Op: f.Op, Text: line}, true
			}
		}
		if cq == nil || cq.Errno == "" {
			return Symptom{}, false
		}
		name, s, e = cq.Errno, -1, -1
	}
	sym := Symptom{Kind: KindErrno, Errno: name, Text: line}
	sym.Path = ParsePath(line)
	sym.Addr, sym.Port = ParsePort(line)
	sym.Op = ParseOp(line, s, e)
	if cq != nil {
		// The program named a consequence: what it says it was for wins
		// over what the words around it suggest.
		switch {
		case fact.cap != "":
			sym.Op = "cap:" + fact.cap
		case cq.Cap != "":
			sym.Op = "cap:" + cq.Cap
		case fact.path != "":
			sym.Path = strings.TrimSuffix(fact.path, ".")
			if len(sym.Path) > 1 {
				sym.Path = strings.TrimSuffix(sym.Path, "/") // a folder ("cannot lock /etc/passwd": /etc/)
			}
		case fact.limit != "":
			sym.Op = "rlimit:" + fact.limit
		case fact.key != "" && cq.Path != "":
			sym.Path = cq.Path + strings.ReplaceAll(fact.key, ".", "/")
		case cq.Path != "" && sym.Path == "":
			sym.Path = cq.Path
		}
		if cq.Op != "" && !strings.HasPrefix(sym.Op, "cap:") && !strings.HasPrefix(sym.Op, "rlimit:") {
			sym.Op = cq.Op
		}
		if cq.AnyOf != nil {
			sym.Errno, sym.ErrnoAlternatives = cq.AnyOf[0], cq.AnyOf[1:]
		}
	}
	if sym.Op == "" && sym.Port > 0 {
		sym.Op = "bind"
	}
	if reConfLine.MatchString(sym.Path) {
		// "FILE:LINE:" is where in its configuration the program was, not
		// what failed (BIND: "/etc/bind/named.conf.options:2: parsing
		// failed: permission denied").
		sym.Path = ""
	}
	if sym.Port > 0 && (sym.Op == "bind" || sym.Op == "connect") && strings.Contains(sym.Path, ".") {
		// A network call with a port: a path-like word in its message is
		// the program's configuration file ("Binding [/etc/x/haproxy.cfg:9]
		// … cannot bind socket (Permission denied) for [127.0.0.1:80]"),
		// not what failed.
		sym.Path = ""
	}
	if strings.HasPrefix(name, "EAI_") {
		sym.Op = "resolve"
	}
	sym.Family = ParseFamily(line)
	if sym.Family == "" && name == "EAFNOSUPPORT" {
		// Go's "dial tcp 127.0.0.1:5432: socket: address family not
		// supported": the address says which family the socket was for.
		if ip := net.ParseIP(sym.Addr); ip != nil {
			sym.Family = "AF_INET6"
			if ip.To4() != nil {
				sym.Family = "AF_INET"
			}
		}
	}
	return sym, true
}

// consequenceFacts are what a consequence wording's groups held.
type consequenceFacts struct{ key, cap, path, limit string }

// consequenceOf finds the first consequence wording of a line (lower is
// its lower-case form) and the facts its groups hold (a sysctl key, a
// capability, a path).
func consequenceOf(line, lower string) (*rules.Consequence, consequenceFacts) {
	textOnce.Do(buildTextTables)
	for i, p := range consequences {
		if !p.mayMatch(lower) {
			continue
		}
		re := p.re
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var f consequenceFacts
		for gi, n := range re.SubexpNames() {
			switch n {
			case "key":
				f.key = m[gi]
			case "cap":
				f.cap = m[gi]
			case "path":
				f.path = m[gi]
			case "limit":
				f.limit = m[gi]
			}
		}
		return &rules.Consequences[i], f
	}
	return nil, consequenceFacts{}
}

// ParseFamily finds an address family named in a line (AF_INET6, or the
// words runtimes use for it).
func ParseFamily(line string) string {
	if m := reFamily.FindString(line); m != "" {
		return m
	}
	w, _ := firstWord(line, rules.FamilyWords, func(w struct{ Word, Family string }) string { return w.Word })
	return w.Family
}

// syscallWords are the words of a line placed as a failing call is named:
// "name: …", "name failed" or "name(" after a space, quote or bracket, or "x.name(" for a
// method call. Scanned by hand because each word's neighbours matter and
// Go's regexp has no lookaround.
func syscallWords(line string) []string {
	var out []string
	for _, m := range reWord.FindAllStringIndex(line, -1) {
		start, end := m[0], m[1]
		before := byte(' ')
		if start > 0 {
			before = line[start-1]
		}
		if before >= 'a' && before <= 'z' || before >= 'A' && before <= 'Z' || before >= '0' && before <= '9' || before == '_' {
			continue // inside a longer word
		}
		after := line[end:]
		switch {
		case strings.HasPrefix(after, "("):
			if before == '.' || strings.ContainsRune(" \t\"'([", rune(before)) {
				out = append(out, line[start:end])
			}
		case strings.HasPrefix(after, ": ") || after == ":" || strings.HasPrefix(after, " failed"):
			// (" failed": util-linux ionice's "ioprio_set failed:
			// Operation not permitted", lab: real-ionice-bounding.)
			if strings.ContainsRune(" \t\"'([", rune(before)) || start == 0 {
				out = append(out, line[start:end])
			}
		}
	}
	return out
}

// textWords splits lowercased text into words of letters, digits, '-' and
// '\”.
func textWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '\'')
	})
}

// findErrnoText finds the longest strerror text in a line (any case, on
// word boundaries).
func findErrnoText(line string) (string, int, int) {
	lower := strings.ToLower(line)
	if len(lower) != len(line) {
		return "", -1, -1 // case folding changed the length: no byte offsets to report
	}
	best, bs := "", -1
	for _, w := range textWords(lower) {
		for _, t := range textsByWord[w] {
			if len(t) <= len(best) {
				continue
			}
			for off := 0; ; {
				i := strings.Index(lower[off:], t)
				if i < 0 {
					break
				}
				i += off
				before := i == 0 || !isLetter(lower[i-1])
				after := i+len(t) == len(lower) || !isLetter(lower[i+len(t)])
				if before && after {
					best, bs = t, i
					break
				}
				off = i + 1
			}
		}
	}
	if best == "" {
		return "", -1, -1
	}
	return textToErrno[best], bs, bs + len(best)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' }

// firstWord is the first entry of a word table whose word the text
// contains, ignoring case: how the wordings tables in rules/ are read.
func firstWord[T any](text string, table []T, word func(T) string) (T, bool) {
	l := strings.ToLower(text)
	for _, e := range table {
		if strings.Contains(l, strings.ToLower(word(e))) {
			return e, true
		}
	}
	var zero T
	return zero, false
}
