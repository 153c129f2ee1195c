package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxSpan is the longest relative time accepted: 200 years.
const maxSpan = 200 * 365 * 24 * time.Hour

var relRe = regexp.MustCompile(`^(?:-\s*(\d+)\s*([a-z]+)|(\d+)\s*([a-z]+)\s+ago)$`)

// ParseTime reads the time forms journalctl accepts for --since/--until
// (absolute dates and times, "today", "yesterday", "now", "-2h", "2h ago",
// "@EPOCH"); "" is the zero time. Times without a zone are local.
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return time.Time{}, nil
	case "now":
		return now, nil
	case "today":
		y, m, d := now.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, now.Location()), nil
	case "yesterday":
		y, m, d := now.AddDate(0, 0, -1).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, now.Location()), nil
	}
	if strings.HasPrefix(s, "@") {
		n, err := strconv.ParseFloat(s[1:], 64)
		if err != nil || n < 0 || n > 1e11 || n != n {
			return time.Time{}, fmt.Errorf("%q is not a time", s)
		}
		return time.Unix(0, int64(n*1e9)), nil
	}
	if m := relRe.FindStringSubmatch(strings.ToLower(s)); m != nil {
		n, unit := m[1], m[2]
		if n == "" {
			n, unit = m[3], m[4]
		}
		k, err := strconv.ParseInt(n, 10, 64)
		d, ok := map[string]time.Duration{"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
			"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
			"h": time.Hour, "hour": time.Hour, "hours": time.Hour, "d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
			"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour}[unit]
		if !ok {
			return time.Time{}, fmt.Errorf("unknown time unit %q", unit)
		}
		// A span beyond what a duration holds (about 292 years) would
		// wrap around into the future.
		if err != nil || k > int64(maxSpan/d) {
			return time.Time{}, fmt.Errorf("%q is further back than harden can count (%d years at most)", s, int(maxSpan.Hours()/24/365))
		}
		return now.Add(-time.Duration(k) * d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			y, m, d := now.Date()
			return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, now.Location()), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}
