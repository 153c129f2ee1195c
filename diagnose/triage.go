package diagnose

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/harden-tool/harden/journal"
)

// UnitConfigs gives the configuration of a unit, or nil.
type UnitConfigs func(host, unit string) *journal.UnitConfig

// Triage explains every unit that failed, or was refused something by the
// kernel, in the evidence: one report per unit and host, the same answer
// seen on several hosts folded into one report naming them, worst first.
// The evidence is read once: entries are indexed by host and unit, audit
// events by PID.
func Triage(ev *journal.Evidence, configs UnitConfigs) []*Report {
	type key struct{ host, unit string }
	own := map[key][]journal.Entry{}
	kernel := map[string][]journal.Entry{}
	pidUnit := map[string]map[int]string{}
	var hosts []string
	hostOf := func(e *journal.Entry) string {
		if h := e.Fields["_HOSTNAME"]; h != "" {
			return h
		}
		return e.Fields["_MACHINE_ID"]
	}
	candidates := map[key]bool{}
	for i := range ev.Entries {
		e := &ev.Entries[i]
		h := hostOf(e)
		if _, ok := pidUnit[h]; !ok {
			pidUnit[h] = map[int]string{}
			hosts = append(hosts, h)
		}
		switch e.Fields["_TRANSPORT"] {
		case "audit", "kernel":
			kernel[h] = append(kernel[h], *e)
			continue
		}
		u := e.Fields["_SYSTEMD_UNIT"]
		if u == "init.scope" || u == "" {
			u = e.Fields["UNIT"]
		}
		if u == "" {
			continue
		}
		own[key{h, u}] = append(own[key{h, u}], *e)
		if p := e.PID(); p > 1 && e.Fields["_SYSTEMD_UNIT"] == u {
			pidUnit[h][p] = u
		}
		if journal.IsManagerLine(e, u, journal.MsgUnitFailureResult) {
			candidates[key{h, u}] = true
		}
	}
	// Units whose processes the kernel refused something, failed or not.
	auditByHostPID := map[string]map[int][]journal.AuditEvent{}
	for _, a := range ev.Audit {
		on := hosts // an audit.log record names no host: it may belong to any
		if a.Host != "" {
			on = []string{a.Host}
		}
		p := a.PID()
		for _, h := range on {
			if auditByHostPID[h] == nil {
				auditByHostPID[h] = map[int][]journal.AuditEvent{}
			}
			auditByHostPID[h][p] = append(auditByHostPID[h][p], a)
			if u := pidUnit[h][p]; u != "" && (a.Record("SECCOMP") != nil || a.Record("AVC") != nil) {
				if r := a.Record("SECCOMP"); r == nil || r.Raw["code"] != "0x7ffc0000" { // SystemCallLog= records are not denials
					candidates[key{h, u}] = true
				}
			}
		}
	}
	var reports []*Report
	for k := range candidates {
		sub := &journal.Evidence{Entries: append(append([]journal.Entry{}, own[k]...), kernel[k.host]...), Host: ev.Host}
		for p, u := range pidUnit[k.host] {
			if u == k.unit {
				sub.Audit = append(sub.Audit, auditByHostPID[k.host][p]...)
			}
		}
		sortEntries(sub.Entries)
		if configs != nil {
			sub.Unit = configs(k.host, k.unit)
		}
		rep := Diagnose(sub, Options{Unit: k.unit, IncludeRunning: true})
		if k.host != "" {
			rep.Hosts = []string{k.host}
		}
		if rep.Verdict == VerdictNoFailure {
			continue
		}
		reports = append(reports, rep)
	}
	return groupReports(reports)
}

func sortEntries(es []journal.Entry) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
}

// groupReports folds reports that give the same answer for the same unit
// on different hosts, and orders them worst first.
func groupReports(reps []*Report) []*Report {
	sig := func(r *Report) string {
		s := r.Unit + "|" + string(r.Verdict)
		if len(r.Findings) > 0 {
			f := r.Findings[0]
			s += "|" + f.Directive + "|" + f.Setting
			if len(f.Relaxations) > 0 {
				s += "|" + strings.Join(f.Relaxations[0].Lines, ";")
			}
		}
		return s
	}
	byKey := map[string]*Report{}
	var out []*Report
	for _, r := range reps {
		k := sig(r)
		if g, ok := byKey[k]; ok {
			g.Hosts = append(g.Hosts, r.Hosts...)
			if r.Time > g.Time {
				g.Time = r.Time
			}
			continue
		}
		byKey[k] = r
		out = append(out, r)
	}
	for _, r := range out {
		sort.Strings(r.Hosts)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := severity(out[i]), severity(out[j]); a != b {
			return a > b
		}
		if out[i].Time != out[j].Time {
			return out[i].Time > out[j].Time
		}
		return out[i].Unit < out[j].Unit
	})
	return out
}

func severity(r *Report) int {
	switch r.Verdict {
	case VerdictSandbox:
		if len(r.Findings) > 0 {
			return 10 + confRank(r.Findings[0].Confidence)
		}
		return 10
	case VerdictUnknown:
		return 5
	case VerdictNotSandbox:
		return 3
	}
	return 0
}

// WriteTriageText prints one line per report: unit, when, verdict,
// directive, relaxation, hosts.
func WriteTriageText(w io.Writer, reps []*Report, c Colors) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	if len(reps) == 0 {
		b.WriteString("no unit failed or was refused anything in the window\n")
	}
	for _, r := range reps {
		r = r.Sanitized()
		when := r.Time
		if len(when) >= 19 {
			when = when[:10] + " " + when[11:19]
		}
		dir, relax := "-", "-"
		if len(r.Findings) > 0 {
			dir = r.Findings[0].Setting
			if rx := r.DropIn(); len(rx) > 0 {
				relax = strings.Join(rx, "; ")
			} else if len(r.Findings[0].Withheld) > 0 {
				relax = "(withheld: see harden why)"
			}
		} else if r.Cause != "" {
			relax = clip(r.Cause, 80)
		}
		verdict := string(r.Verdict)
		line := strings.Join([]string{r.Unit, when, verdict, dir, relax}, "\t")
		if len(r.Hosts) > 0 {
			line += "\t" + strings.Join(r.Hosts, ",")
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}
