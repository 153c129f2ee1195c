package diagnose

import (
	"sort"
	"strings"

	"github.com/harden-tool/harden/rules"
)

// ApplyDropIn returns the properties a unit would have with the drop-in
// lines applied after its configuration, following systemd's merge rules:
// lists accumulate and reset on an empty assignment; CapabilityBoundingSet=
// lines without ~ add capabilities; a SystemCallFilter= line of the other
// kind than the first removes its calls, of the same kind adds them (groups
// are expanded with the release's table); old names map to new ones.
func ApplyDropIn(props map[string]string, lines []string) map[string]string {
	g, _ := rules.GroupsFor(0)
	return applyDropIn(props, lines, g)
}

func applyDropIn(props map[string]string, lines []string, groups *rules.SyscallGroups) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		out[k] = v
	}
	for _, line := range lines {
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if d, ok := rules.LookupDirective(name); ok {
			name = d.Name
		}
		merge := rules.Directives[name].Merge
		switch {
		case name == "SystemCallFilter":
			out[name] = mergeFilter(out[name], value, groups)
		case merge == rules.AllowDeny && value != "" && strings.TrimSpace(out[name]) != "" && strings.HasPrefix(strings.TrimSpace(out[name]), "~") != strings.HasPrefix(value, "~"):
			if name == "RestrictFileSystems" {
				value = strings.Join(rules.FileSystemTable().Expand(strings.Fields(value)), " ")
			}
			out[name] = mergeFilter(out[name], value, groups) // other kind than the first: removes
		case name == "CapabilityBoundingSet" && value != "":
			set := capSet(out[name])
			if _, had := props[name]; !had {
				set = nil // absent = every capability: nothing to add
			}
			if set != nil {
				for _, c := range strings.Fields(strings.TrimPrefix(value, "~")) {
					if strings.HasPrefix(value, "~") {
						delete(set, strings.ToUpper(c))
					} else {
						set[strings.ToUpper(c)] = true
					}
				}
				out[name] = joinSet(set)
			}
		case merge != rules.Replace:
			if value == "" {
				out[name] = ""
			} else if out[name] == "" {
				out[name] = value
			} else {
				out[name] = out[name] + " " + value
			}
		default:
			// Turning off a directive that drops capabilities implicitly
			// gives them back: systemctl show prints the bounding set
			// after those drops.
			if caps, ok := rules.ImpliedCapabilityDrops[name]; ok && isYes(out[name]) && !isYes(value) {
				if _, had := out["CapabilityBoundingSet"]; had {
					set := capSet(out["CapabilityBoundingSet"])
					for _, c := range caps {
						set[c] = true
					}
					out["CapabilityBoundingSet"] = joinSet(set)
				}
			}
			out[name] = value
		}
	}
	return out
}

func mergeFilter(current, value string, groups *rules.SyscallGroups) string {
	if value == "" {
		return ""
	}
	deny := strings.HasPrefix(value, "~")
	names := expandSyscalls(strings.Fields(strings.TrimPrefix(value, "~")), groups)
	if strings.TrimSpace(current) == "" {
		if deny {
			return "~" + strings.Join(names, " ")
		}
		return strings.Join(names, " ")
	}
	curDeny := strings.HasPrefix(current, "~")
	set := map[string]bool{}
	for _, n := range strings.Fields(strings.TrimPrefix(current, "~")) {
		set[n] = true
	}
	for _, n := range names {
		if deny == curDeny {
			set[n] = true
		} else {
			delete(set, n)
		}
	}
	s := joinSet(set)
	if curDeny {
		return "~" + s
	}
	return s
}

func expandSyscalls(items []string, g *rules.SyscallGroups) []string {
	var out []string
	for _, it := range items {
		it, _, _ = strings.Cut(it, ":")
		if strings.HasPrefix(it, "@") {
			for n := range g.Groups[it] {
				out = append(out, n)
			}
			continue
		}
		out = append(out, it)
	}
	return out
}

func joinSet(set map[string]bool) string {
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
