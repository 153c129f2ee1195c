package diagnose

import (
	"regexp"
	"regexp/syntax"
	"strings"
)

// prefiltered is a regular expression with the literals one of which every
// line it matches contains (lower case). Go's regexp engine needs tens of
// microseconds for a line against the wordings' patterns; most lines
// contain none of their literals, and a substring search says so in a
// fraction of that. The literals are derived from the pattern itself, so a
// wording added to rules/ is filtered without anyone writing its keywords.
type prefiltered struct {
	re *regexp.Regexp
	// any is nil when nothing can be said of the pattern (it is then
	// always run).
	any []string
}

func newPrefiltered(pattern string) prefiltered {
	p := prefiltered{re: regexp.MustCompile(pattern)}
	if tree, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		if lits, ok := requiredLiterals(tree.Simplify()); ok {
			p.any = lits
		}
	}
	return p
}

// mayMatch reports whether the pattern can match a line whose lower-case
// form is lower.
func (p *prefiltered) mayMatch(lower string) bool {
	if p.any == nil {
		return true
	}
	for _, l := range p.any {
		if strings.Contains(lower, l) {
			return true
		}
	}
	return false
}

// requiredLiterals returns literals (lower case) one of which every match
// of re contains; false when there is no such set.
func requiredLiterals(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil, false
		}
		return []string{strings.ToLower(string(re.Rune))}, true
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		// Any one part's literals will do: the set whose shortest
		// literal is longest filters best.
		var best []string
		for _, sub := range re.Sub {
			if lits, ok := requiredLiterals(sub); ok && shortest(lits) > shortest(best) {
				best = lits
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			lits, ok := requiredLiterals(sub)
			if !ok {
				return nil, false
			}
			all = append(all, lits...)
		}
		return all, true
	}
	return nil, false
}

func shortest(lits []string) int {
	if len(lits) == 0 {
		return 0
	}
	n := len(lits[0])
	for _, l := range lits[1:] {
		n = min(n, len(l))
	}
	return n
}
