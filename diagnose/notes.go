package diagnose

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/harden-tool/harden/journal"
	"github.com/harden-tool/harden/rules"
)

// Notes: what the report adds beyond findings — configuration warnings
// PID 1 logged, settings the host does not enforce, a container, seccomp
// logging.

// configWarnings are PID 1's complaints about the unit's files: a setting
// it ignored is a protection that is not in force. Those of the run's boot
// before its end count (boot: the run's _BOOT_ID, "" when not known): the
// unit was loaded, and its files read, in that boot; an older boot's may
// have been fixed since.
func configWarnings(entries []journal.Entry, unit string, until time.Time, boot string) []string {
	var out []string
	seen := map[string]bool{}
	for i := range entries {
		e := &entries[i]
		if e.Get("MESSAGE_ID") != journal.MsgUnitConfigWarning || e.Get("UNIT") != unit || e.Provenance() != journal.FromManager {
			continue
		}
		if !until.IsZero() && e.Time.After(until) {
			continue
		}
		if b := e.Get("_BOOT_ID"); b != "" && boot != "" && b != boot {
			continue
		}
		m := e.Message()
		if seen[m] {
			continue
		}
		seen[m] = true
		out = append(out, "systemd ignored part of the unit's configuration: "+m+" — whatever that line was meant to enforce is not in force")
	}
	return out
}

// loggedCalls are the calls SystemCallLog= had the kernel record during
// the run, by name, in order of first record; a call the record does not
// name is left out (it cannot be written in a SystemCallFilter= line).
func loggedCalls(audit []*journal.AuditEvent) []string {
	var names []string
	seen := map[string]bool{}
	for _, a := range audit {
		r := a.Record("SECCOMP")
		if r == nil || r.Raw["code"] != seccompLogAction {
			continue
		}
		n := syscallName(r)
		if !seen[n] && !strings.HasPrefix(n, "unknown(") {
			seen[n] = true
			names = append(names, n)
		}
	}
	return names
}

// syscallLogNote says which calls SystemCallLog= recorded. In a tuning run
// (SystemCallLog=~@system-service, say) they are exactly the calls a
// SystemCallFilter= would have to allow.
func syscallLogNote(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("SystemCallLog= had the kernel log these calls of the run (allowed, not refused): %s — a SystemCallFilter= for this service must allow them (SystemCallFilter=%s)",
		strings.Join(names, ", "), strings.Join(names, " "))
}

// runNotes are what the operator should know about the run besides its
// failure: settings systemd ignored or cannot enforce, and the calls a
// SystemCallLog= tuning run recorded (logged).
func runNotes(ev *journal.Evidence, inv *Invocation, unit string, props map[string]string, logged []string) []string {
	notes := configWarnings(ev.Entries, unit, inv.End, inv.Boot)
	notes = append(notes, unenforcedNotes(ev.Host, props, ev.Unit)...)
	if n := syscallLogNote(logged); n != "" {
		notes = append(notes, n)
	}
	return notes
}

// startingNote says that the run asked about has not ended: the unit is
// still starting (a oneshot's program, a service not yet ready), so "no
// failed run" is not yet an answer. Where the unit drops packets silently
// (IPAddressDeny=, RestrictNetworkInterfaces=), a blocked connection is
// what waits, failing only at the program's own timeout (lab:
// real-openssl-sclient-ipdeny, captured at 30 s: s_client's connect gave
// up at about 130 s, ETIMEDOUT).
func startingNote(inv *Invocation, props map[string]string) string {
	if inv.ExitLine != nil || props["ActiveState"] != "activating" || props["InvocationID"] != "" && props["InvocationID"] != inv.ID {
		return ""
	}
	n := "this run has not ended: the unit was still starting when the evidence was read"
	if !inv.Start.IsZero() {
		n = fmt.Sprintf("this run, started at %s, has not ended: the unit was still starting when the evidence was read", inv.Start.Format("15:04:05"))
	}
	var drops []string
	for _, d := range rules.DroppingDirectives {
		if v := strings.TrimSpace(props[d]); v != "" {
			drops = append(drops, d+"="+v)
		}
	}
	if len(drops) > 0 {
		n += fmt.Sprintf("; %s: its BPF filter drops refused packets silently, so a connection it blocks waits until the program's own timeout (a TCP connect: about 2 minutes) and only then fails: ask again after that, or follow the unit with `harden watch`", strings.Join(drops, " and "))
	}
	return n
}

// containerNote warns that on a container host the unit's namespace
// settings may not be in force at all — unless the run showed them in
// force (shown: the evidence, said instead; systemd sets them all up in one
// mount namespace, or none).
func containerNote(host journal.HostInfo, props map[string]string, shown string) string {
	if !rules.Containers[host.Virtualization] {
		return ""
	}
	var set []string
	for dir, values := range rules.MountTables {
		v := props[dir]
		if isYes(v) {
			v = "yes"
		}
		if len(values[v]) > 0 {
			set = append(set, dir+"="+props[dir])
		}
	}
	for _, l := range rules.PathListDirectives {
		if strings.TrimSpace(props[l.Directive]) != "" {
			set = append(set, l.Directive+"=")
		}
	}
	if len(set) == 0 {
		return ""
	}
	sort.Strings(set)
	if shown != "" {
		return fmt.Sprintf("this host is a container (%s) whose runtime let systemd set up the unit's namespace: %s", host.Virtualization, shown)
	}
	return fmt.Sprintf("this host is a container (%s): where the runtime refuses new namespaces, systemd runs the service without its namespace settings (%s here) and logs that only at debug level, so they may not be in force; `systemctl log-level debug` and a restart show it",
		host.Virtualization, strings.Join(set, ", "))
}

// unenforcedNotes names the settings this host's systemd accepts but
// cannot enforce (built without its BPF framework): a protection the
// operator believes in that is not there.
func unenforcedNotes(host journal.HostInfo, props map[string]string, cfg *journal.UnitConfig) []string {
	if !host.Lacks("BPF_FRAMEWORK") {
		return nil
	}
	var out []string
	for _, d := range rules.BPFDirectives {
		set := strings.TrimSpace(props[d]) != ""
		if cfg != nil {
			for _, st := range cfg.Settings {
				if st.Name == d && strings.TrimSpace(st.Value) != "" {
					set = true
				}
			}
		}
		if set {
			out = append(out, fmt.Sprintf("%s= is set, but this systemd (%d) was built without its BPF framework (-BPF_FRAMEWORK): the setting is accepted and not enforced", d, host.SystemdVersion))
		}
	}
	return out
}

// seccompLogAction is the SECCOMP record code of SystemCallLog=: the call
// was allowed and logged.
const seccompLogAction = "0x7ffc0000"
