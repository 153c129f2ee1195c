package journal

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"
)

// UnitConfig is a unit's effective configuration: the properties systemd
// reports (systemctl show / D-Bus), and where each setting was written.
type UnitConfig struct {
	Name  string
	Props map[string]string
	// Settings are the assignments found in the unit file and its drop-ins,
	// in the order systemd applies them.
	Settings []Setting
	// Files are the unit file and drop-ins that were read.
	Files []string
	// Cat is their text as `systemctl cat` prints it.
	Cat string
}

// Setting is one Name=Value line of a unit file or drop-in.
type Setting struct {
	Section, Name, Value string
	File                 string
	Line                 int
}

// Location is "file:line".
func (s Setting) Location() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// Prop returns a property, or "".
func (c *UnitConfig) Prop(name string) string {
	if c == nil {
		return ""
	}
	return c.Props[name]
}

// SettingsOf returns every assignment of the named directives (old names
// included by the caller), in application order.
func (c *UnitConfig) SettingsOf(names ...string) []Setting {
	if c == nil {
		return nil
	}
	var out []Setting
	for _, s := range c.Settings {
		for _, n := range names {
			if s.Name == n {
				out = append(out, s)
			}
		}
	}
	return out
}

// ParseShow parses `systemctl show UNIT` output: Name=Value lines. Values
// may contain '='; later lines win.
//
// A line longer than 4 MiB is skipped and the rest read: the error then
// wraps ErrPartialShow, and the properties returned are still usable.
func ParseShow(r io.Reader) (map[string]string, error) {
	props := map[string]string{}
	br := bufio.NewReaderSize(r, 64<<10)
	var skipped []string
	for {
		line, long, err := readLine(br, maxShowLine)
		if i := strings.IndexByte(line, '='); i > 0 {
			if long {
				skipped = append(skipped, clip(line[:i]))
			} else {
				props[line[:i]] = line[i+1:]
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return props, err
			}
			break
		}
	}
	if len(props) == 0 {
		return props, fmt.Errorf("no Name=Value lines: this is not systemctl show output")
	}
	if len(skipped) > 0 {
		return props, fmt.Errorf("%w: %d line(s) longer than %d MiB skipped (%s)", ErrPartialShow, len(skipped), maxShowLine>>20, strings.Join(skipped, ", "))
	}
	return props, nil
}

// ErrPartialShow: systemctl show output was read but for some lines.
var ErrPartialShow = errors.New("some properties could not be read")

const maxShowLine = 4 << 20

// ParseCat splits `systemctl cat UNIT` output, which prints every file
// behind a "# /path" header, back into the files and their settings with
// the line numbers they have in those files.
func ParseCat(r io.Reader) ([]Setting, []string, error) {
	data, err := io.ReadAll(io.LimitReader(r, 16<<20))
	if err != nil {
		return nil, nil, err
	}
	var (
		settings []Setting
		files    []string
		cur      string
		buf      bytes.Buffer
	)
	flush := func() {
		if cur == "" {
			return
		}
		// systemctl cat separates files by one empty line; drop it.
		content := bytes.TrimSuffix(buf.Bytes(), []byte("\n\n"))
		settings = append(settings, ParseUnitFile(cur, bytes.NewReader(append(content, '\n')))...)
		files = append(files, cur)
		buf.Reset()
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		t := strings.TrimRight(line, "\n")
		if strings.HasPrefix(t, "# /") && !strings.ContainsAny(t[2:], " \t") {
			flush()
			cur = t[2:]
			continue
		}
		if cur != "" {
			buf.WriteString(line)
		}
	}
	flush()
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("no '# /path' file headers: this is not systemctl cat output")
	}
	return settings, files, nil
}

// ParseUnitFile returns the settings of one unit file or drop-in, with line
// numbers. Values come from go-systemd's unit parser (continuation lines,
// comments and quoting handled as systemd does); the line of each is the
// line its assignment starts on.
func ParseUnitFile(path string, r io.Reader) []Setting {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil
	}
	opts, err := unit.DeserializeOptions(bytes.NewReader(data))
	if err != nil {
		// Fall back to the line scan alone: a unit that systemd loaded
		// with warnings still has settings worth locating.
		opts = nil
	}
	starts := assignmentLines(data)
	var out []Setting
	if opts != nil {
		used := map[int]bool{}
		for _, o := range opts {
			line := 0
			for _, st := range starts {
				if !used[st.line] && st.section == o.Section && st.name == o.Name {
					line = st.line
					used[st.line] = true
					break
				}
			}
			out = append(out, Setting{Section: o.Section, Name: o.Name, Value: o.Value, File: path, Line: line})
		}
		return out
	}
	for _, st := range starts {
		out = append(out, Setting{Section: st.section, Name: st.name, Value: st.value, File: path, Line: st.line})
	}
	return out
}

type assignment struct {
	section, name, value string
	line                 int
}

func assignmentLines(data []byte) []assignment {
	var (
		out     []assignment
		section string
		cont    bool
	)
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		wasCont := cont
		cont = strings.HasSuffix(line, "\\")
		if wasCont {
			continue
		}
		switch {
		case line == "", line[0] == '#', line[0] == ';':
			cont = false
		case line[0] == '[' && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
		default:
			if eq := strings.IndexByte(line, '='); eq > 0 {
				out = append(out, assignment{section, strings.TrimSpace(line[:eq]), strings.TrimSpace(line[eq+1:]), i + 1})
			}
		}
	}
	return out
}

// LoadUnitFiles reads a unit's fragment and drop-ins from disk (paths as
// FragmentPath and DropInPaths report them).
func LoadUnitFiles(fragment string, dropins []string) ([]Setting, []string, string, []Warning) {
	var (
		settings []Setting
		files    []string
		warns    []Warning
		cat      strings.Builder
	)
	for _, p := range append([]string{fragment}, dropins...) {
		if p == "" {
			continue
		}
		b, err := ReadSmallFile(p)
		if err != nil {
			warns = append(warns, Warning{Source: p, Text: unreadable(err, "the unit file")})
			continue
		}
		settings = append(settings, ParseUnitFile(p, bytes.NewReader(b))...)
		files = append(files, p)
		if cat.Len() > 0 {
			cat.WriteString("\n")
		}
		fmt.Fprintf(&cat, "# %s\n%s", p, b)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			cat.WriteString("\n")
		}
	}
	return settings, files, cat.String(), warns
}
