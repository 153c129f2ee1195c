package diagnose

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// Limits: resource limits (Limit*=), TasksMax= and MemoryMax=: what
// exceeding each does, and how far to raise it.

// limitCandidates raises the limit (to what the operation asked for, or
// fourfold, at least the record's floor), or trades it for the cgroup
// limit of the same size.
func limitCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	if l, ok := rules.OpLimits[c.syscall]; ok && l.Limit == c.directive {
		v := orDefault(priorityIn(sym.Text), l.Propose)
		add([]string{c.directive + "=" + v}, fmt.Sprintf("lets the service's user call %s up to %s, without %s", c.syscall, v, rules.OpCapability[c.syscall]),
			"the service may "+l.Allows)
		return out
	}
	cur := limitValue(sb.Props[c.directive])
	if hard := rules.Directives[c.directive].SystemdHard; c.syscall == "setrlimit" && hard > cur {
		// Back to systemd's own hard limit, the soft one kept: the
		// program raises its soft limit itself, as it tried to.
		soft := orDefault(sb.Props[c.directive+"Soft"], strconv.FormatInt(cur, 10))
		add([]string{fmt.Sprintf("%s=%s:%d", c.directive, soft, hard)}, fmt.Sprintf("keeps the soft limit (%s) and restores the hard limit systemd gives a service that sets none (%d), up to which the program may raise its own", soft, hard),
			"the service may raise its own limit up to that hard limit")
		return out
	}
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
	next := raisedLimit(c.directive, cur)
	why := fmt.Sprintf("raises the limit from %d to %d (a start: size it to the workload's peak)", cur, next)
	if n := argvSize(execArgv(sb.Props)); rules.Directives[c.directive].ArgSized && 2*n > next {
		// Four times a limit below what the command line asks for fails
		// again (lab: real-fallocate-limitfsize, --length 8MiB under
		// LimitFSIZE=1M).
		next = 2 * n
		why = fmt.Sprintf("raises the limit from %d to %d, twice the largest size the command line names (%d)", cur, next, n)
	}
	add([]string{fmt.Sprintf("%s=%d", c.directive, next)}, why,
		"a runaway service can use more of the resource before it is stopped")
	return out
}

// reArgSize is a size with a unit, as command lines give one: 8M, 8MiB,
// 8MB, 2G (the unit's letter in either case).
var reArgSize = regexp.MustCompile(`^([0-9]+)([KkMmGgTt])(?:i?B)?$`)

// argvSize is the largest size with a unit the command line names, as
// an argument or an option's value (--length=8MiB, bs=1M); 0 if none.
// Bare numbers are left out: they are as often ports or counts.
func argvSize(argv string) int64 {
	var largest int64
	for _, w := range argvValues(argv) {
		m := reArgSize.FindStringSubmatch(w)
		if m == nil {
			continue
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > 1<<40 {
			continue
		}
		largest = max(largest, n*sizeUnits[strings.ToLower(m[2])])
	}
	return largest
}

var sizeUnits = map[string]int64{"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}

// memoryCandidates doubles MemoryMax=.
func memoryCandidates(sym *Symptom, c cause, sb *Sandbox) (out []candidate) {
	add := adder(&out)
	cur := limitValue(sb.Props["MemoryMax"])
	if cur > 0 {
		next := (cur * 2) >> 20
		add([]string{fmt.Sprintf("MemoryMax=%dM", next)}, fmt.Sprintf("doubles the limit (from %dM); size it to the service's real peak, and consider MemoryHigh= below it to throttle before the kill", cur>>20),
			"the service may use more memory before the kernel kills it")
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

// limitValue reads a limit as systemctl show prints it ("infinity" is the
// largest; units K, M, G, T accepted for values written by hand).
func limitValue(v string) int64 {
	v = strings.TrimSpace(v)
	if _, hard, ok := strings.Cut(v, ":"); ok {
		v = hard // SOFT:HARD, as a unit file may say: the hard limit is the one systemctl shows
	}
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

// raisedLimit is the first raise offered for a limit: four times the
// value, at least the record's floor (four times a tiny limit is still too
// small for any real program).
func raisedLimit(directive string, cur int64) int64 {
	return max(cur*4, rules.LimitFloors[directive])
}

// opLimit: an unprivileged process may do some privileged things within a
// resource limit (realtime priority, nice level).
func opLimit(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if !deniedErrno(sym) {
		return nil
	}
	op := sym.Op
	if l, ok := rules.OpLimits[op]; ok && !sb.Root && !sb.HasCap(rules.OpCapability[op]) && !(l.Limit == "LimitRTPRIO" && isYes(sb.Props["RestrictRealtime"])) {
		v := orDefault(sb.Props[l.Limit], "0")
		out = append(out, cause{kind: causeLimit, directive: l.Limit, setting: l.Limit + "=" + v, confidence: High, syscall: op,
			reason: fmt.Sprintf("an unprivileged process may call %s only within %s (%s here) or with %s; raising the limit is the narrower grant", op, l.Limit, v, rules.OpCapability[op])})
	}
	return out
}

// hardLimit: a program refused raising one of its resource limits
// (prlimit, setrlimit) above the hard limit the unit set, without
// CAP_SYS_RESOURCE (root's taken by the bounding set, or a user's never
// given): raising the unit's limit is the narrower grant than the
// capability, which overrides every limit and quota.
func hardLimit(sym *Symptom, sb *Sandbox, sofar []cause) []cause {
	res, ok := strings.CutPrefix(sym.Op, "rlimit:")
	if !ok || sym.Errno != "EPERM" || sb.HasCap("CAP_SYS_RESOURCE") {
		return nil
	}
	directive := "Limit" + strings.ToUpper(res)
	d, known := rules.Directives[directive]
	if !known {
		return nil
	}
	v := orDefault(sb.Props[directive], "infinity")
	if hard := limitValue(v); hard >= 1<<62 || d.SystemdHard > 0 && hard >= d.SystemdHard {
		return nil // the unit did not lower the hard limit systemd gives
	}
	return []cause{{kind: causeLimit, directive: directive, setting: directive + "=" + v, confidence: Medium, syscall: "setrlimit",
		reason: fmt.Sprintf("raising RLIMIT_%s above its hard limit (%s= sets %s) needs CAP_SYS_RESOURCE, which the service does not have; raising the unit's limit is the narrower grant", strings.ToUpper(res), directive, v)}}
}

// tasksLimit: a fork refused by TasksMax= or LimitNPROC=.
func tasksLimit(sym *Symptom, sb *Sandbox, sofar []cause) (out []cause) {
	if sym.Errno != "EAGAIN" {
		return nil
	}
	if sym.Op == "fork" {
		// The kernel's pids-controller line names TasksMax=; without
		// it, the smaller of the two limits is the likelier one.
		tasks, nproc := sb.Props["TasksMax"], sb.Props["LimitNPROC"]
		tasksSet := tasks != "" && tasks != "infinity"
		nprocSet := nproc != "" && nproc != "infinity" && !sb.Root
		if tasksSet {
			c := cause{kind: causeLimit, directive: "TasksMax", setting: "TasksMax=" + tasks, confidence: Medium,
				reason: fmt.Sprintf("the unit may hold at most %s tasks (processes and threads); one more fork or thread fails with EAGAIN", tasks)}
			switch {
			case sym.Trusted():
				c.confidence = High
				c.reason += "; the kernel's pids controller says it refused one"
			case nprocSet && limitValue(nproc) < limitValue(tasks):
				c.confidence = Low
			}
			out = append(out, c)
		}
		if nprocSet && !sym.Trusted() {
			c := cause{kind: causeLimit, directive: "LimitNPROC", setting: "LimitNPROC=" + nproc, confidence: Low,
				reason: fmt.Sprintf("RLIMIT_NPROC=%s counts every process and thread of the user, inside the unit or not; one more fails with EAGAIN", nproc)}
			if !tasksSet || limitValue(nproc) < limitValue(tasks) {
				c.confidence = Medium
			}
			out = append(out, c)
		}
	}
	return out
}

// attributeOOM: the kernel's OOM killer acted on the unit's cgroup.
func attributeOOM(sym *Symptom, sb *Sandbox) []cause {
	if v := sb.Props["MemoryMax"]; v != "" && v != "infinity" {
		return []cause{{kind: causeMemory, directive: "MemoryMax", setting: "MemoryMax=" + v, confidence: High,
			reason: "the kernel killed the service for exceeding its cgroup memory limit"}}
	}
	return nil
}

// attributeSignal: a signal the kernel sends at a resource limit.
func attributeSignal(sym *Symptom, sb *Sandbox) []cause {
	var out []cause
	for _, d := range rules.SignalLimits[sym.Signal] {
		if v := sb.Props[d]; v != "" && v != "infinity" {
			conf := High
			reason := fmt.Sprintf("%s=%s: the kernel sends this signal when the process exceeds it", d, v)
			switch {
			case sym.Signal == 9:
				conf = Medium // SIGKILL has other senders
			case sym.Signal == 11 && sym.Op == "stack-overflow":
				reason = fmt.Sprintf("%s=%s: the kernel's segfault line puts the faulting address at the stack pointer, the mark of a stack that could not grow", d, v)
			case sym.Signal == 11:
				conf = Medium // most segfaults are bugs
				reason = fmt.Sprintf("%s=%s: a stack that outgrows the limit ends in SIGSEGV; so do bugs, and nothing here places the fault on the stack", d, v)
			}
			out = append(out, cause{kind: causeLimit, directive: d, setting: d + "=" + v, confidence: conf, reason: reason})
		}
	}
	return out
}
