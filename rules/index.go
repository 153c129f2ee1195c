package rules

// The indexes below are derived from the directive records (directives.go)
// when the package loads: the engine reads facts by kind, and a directive
// is still added in one place. Slices follow the order of the records.

// MountTables gives, for each value of the boolean/enum mount directives,
// the paths it mounts.
var MountTables = map[string]map[string][]PathEffect{}

// PathListDirective is a list setting whose entries each mount one path;
// systemctl show reports it under the new name.
type PathListDirective struct {
	Directive, OldName string
	Effect             Effect
	Remount            bool
}

// PathListDirectives are the path-list settings, in record order.
var PathListDirectives []PathListDirective

// ExecDirectory is a purpose-built directory setting.
type ExecDirectory struct {
	Directive, Root, GivesUp string
	RootOwned                bool
}

// ExecDirectories are the purpose-built directory settings: systemd
// creates the directory, hands it to the service's user and makes it
// writable whatever ProtectSystem= says.
var ExecDirectories []ExecDirectory

// ImpliedCapabilityDrops are capabilities a directive removes from the
// bounding set at exec time, beyond what CapabilityBoundingSet= says.
var ImpliedCapabilityDrops = map[string][]string{}

// SeccompDirectives are the settings implemented as seccomp filters, in
// record order, with the value that installs one ("" for any value but
// empty and "no").
var SeccompDirectives []Setting

// BPFDirectives are enforced by BPF programs (see Directive.BPF); real
// runs: systemd 252 of Debian 12 ran services with each of them
// unrestricted, logging nothing.
var BPFDirectives []string

// SourceFallbacks name, for a directive the unit never set, the settings
// that brought it into play: the line to show the operator instead. They
// are the records' InPlayBy, and the directives that imply it.
var SourceFallbacks = map[string][]string{}

// LimitFloors and LimitTrades: the records' Floor and Trade.
var (
	LimitFloors = map[string]int64{}
	LimitTrades = map[string]string{}
)

// SignalLimits: the limits whose excess the kernel answers with a signal.
var SignalLimits = map[int][]string{}

func init() {
	for _, d := range directiveList {
		Directives[d.Name] = d
		if d.Mounts != nil {
			MountTables[d.Name] = d.Mounts
		}
		if d.PathList != "" {
			old := ""
			if len(d.OldNames) > 0 {
				old = d.OldNames[0]
			}
			PathListDirectives = append(PathListDirectives, PathListDirective{d.Name, old, d.PathList, d.Remount})
		}
		if d.PurposeBuilt != nil {
			ExecDirectories = append(ExecDirectories, ExecDirectory{d.Name, d.PurposeBuilt.Root, d.PurposeBuilt.GivesUp, d.PurposeBuilt.RootOwned})
		}
		if d.DropsCapabilities != nil {
			ImpliedCapabilityDrops[d.Name] = d.DropsCapabilities
		}
		switch d.Seccomp {
		case "":
		case "any":
			SeccompDirectives = append(SeccompDirectives, Setting{d.Name, ""})
		default:
			SeccompDirectives = append(SeccompDirectives, Setting{d.Name, d.Seccomp})
		}
		if d.BPF {
			BPFDirectives = append(BPFDirectives, d.Name)
		}
		if d.InPlayBy != nil {
			SourceFallbacks[d.Name] = append(SourceFallbacks[d.Name], d.InPlayBy...)
		}
		for _, s := range d.Implies {
			SourceFallbacks[s.Directive] = append(SourceFallbacks[s.Directive], d.Name)
			impliers[s.Directive] = append(impliers[s.Directive], Implier{d.Name, s.Value})
		}
		if d.Floor != 0 {
			LimitFloors[d.Name] = d.Floor
		}
		if d.Trade != "" {
			LimitTrades[d.Name] = d.Trade
		}
		for _, sig := range d.Signals {
			SignalLimits[sig] = append(SignalLimits[sig], d.Name)
		}
	}
}

// DirectiveList is every directive record, in the order they are written.
func DirectiveList() []Directive { return directiveList }

// Implier is a setting that implies a value of another.
type Implier struct{ By, Value string }

// ImpliersOf lists the settings that imply a value of directive (read for
// every setting of every run a triage explains: an index, not a scan).
func ImpliersOf(directive string) []Implier { return impliers[directive] }

var impliers = map[string][]Implier{}

// Uncaptured are the directives with facts in their records that no lab
// capture names yet, each with the reason (checked by TestFactsHaveCaptures:
// a directive leaves this list when a capture names it).
var Uncaptured = map[string]string{}
