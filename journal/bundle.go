package journal

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Archive limits: a bundle is evidence from one incident, not a disk
// image. Exceeding them refuses the archive (a decompression bomb, or the
// wrong file).
var (
	MaxArchiveBytes   int64 = 4 << 30 // total uncompressed size
	MaxArchiveEntries       = 100000
)

// OpenBundle returns a folder holding the bundle at p, which cleanup
// removes: for a folder, a private view of it; for a .tar.gz/.tgz/.tar
// archive, a private temporary folder it was safely extracted to. Either
// way the view holds only regular files and folders that are inside the
// bundle: archive members that are links, devices or FIFOs, or whose names
// are absolute or climb out with "..", and in a folder, links that lead out
// of it and anything that is not a regular file or a folder (a FIFO would
// block the reader, /dev/zero never ends), are refused; the warnings say
// which. `--bundle` promises to read nothing from the machine it runs on.
func OpenBundle(p string) (dir string, cleanup func(), warns []Warning, err error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", nil, nil, fmt.Errorf("bundle %s is not a readable folder or archive: %w", p, bareError(err))
	}
	if st.IsDir() {
		return viewFolder(p)
	}
	if !st.Mode().IsRegular() {
		return "", nil, nil, fmt.Errorf("bundle %s is %s, not a folder or an archive", p, fileKind(st.Mode()))
	}
	f, err := openRegular(p)
	if err != nil {
		return "", nil, nil, fmt.Errorf("bundle %s: %w", p, err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if head, _ := r.(*bufio.Reader).Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return "", nil, nil, fmt.Errorf("bundle %s: not a gzip archive: %w", p, err)
		}
		defer gz.Close()
		r = gz
	}
	tmp, err := os.MkdirTemp("", "harden-bundle-")
	if err != nil {
		return "", nil, nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	warns, err = extractTar(r, tmp, p)
	if err != nil {
		cleanup()
		return "", nil, warns, err
	}
	// An archive of a folder: use the folder (cleanup still removes all).
	if ents, _ := os.ReadDir(tmp); len(ents) == 1 && ents[0].IsDir() {
		if _, err := os.Stat(Layout(filepath.Join(tmp, ents[0].Name())).UnitsDir()); err == nil {
			return filepath.Join(tmp, ents[0].Name()), cleanup, warns, nil
		}
	}
	return tmp, cleanup, warns, nil
}

// bundleNames names a bundle's files in what harden says of them, in
// place of the private view's they were read through (OpenBundle), which
// is gone when harden exits.
type bundleNames struct{ view, bundle string }

func (b bundleNames) warnings(ws []Warning) {
	for i := range ws {
		if rest, ok := strings.CutPrefix(ws[i].Source, b.view); ok && b.view != "" {
			ws[i].Source = filepath.Join(b.bundle, rest)
		}
	}
}

func (b bundleNames) texts(ts []string) {
	for i := range ts {
		if b.view != "" {
			ts[i] = strings.ReplaceAll(ts[i], b.view+"/", strings.TrimSuffix(b.bundle, "/")+"/")
		}
	}
}

// maxViewEntries bounds the walk of a folder bundle.
const maxViewEntries = 10000

// viewFolder builds a private folder mirroring the bundle folder root:
// a folder for each of its folders and a link to the real file for each
// regular file whose real path (links resolved) is inside root. Readers
// then open only what the view holds, without each checking links.
func viewFolder(root string) (string, func(), []Warning, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", nil, nil, fmt.Errorf("bundle %s: %w", root, err)
	}
	realRoot, _ = filepath.Abs(realRoot)
	tmp, err := os.MkdirTemp("", "harden-bundle-")
	if err != nil {
		return "", nil, nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	var warns []Warning
	count := 0
	var walk func(real, view, shown string, depth int) error
	walk = func(real, view, shown string, depth int) error {
		ents, err := os.ReadDir(real)
		if err != nil {
			warns = append(warns, Warning{Source: root, Text: unreadable(err, shown), Incomplete: true})
			return nil
		}
		for _, e := range ents {
			if count++; count > maxViewEntries {
				return fmt.Errorf("bundle %s: more than %d files and folders, refusing it", root, maxViewEntries)
			}
			name := filepath.Join(shown, e.Name())
			target, err := filepath.EvalSymlinks(filepath.Join(real, e.Name()))
			if err != nil {
				warns = append(warns, Warning{Source: root, Text: fmt.Sprintf("skipped %s: %v", name, errors.Unwrap(err))})
				continue
			}
			if target != realRoot && !strings.HasPrefix(target, realRoot+string(filepath.Separator)) {
				warns = append(warns, Warning{Source: root, Text: fmt.Sprintf("refused %s: it is a link that leads out of the bundle", name)})
				continue
			}
			st, err := os.Stat(target)
			switch {
			case err != nil:
				warns = append(warns, Warning{Source: root, Text: fmt.Sprintf("skipped %s: %v", name, errors.Unwrap(err))})
			case st.IsDir() && depth < 8:
				if err := os.Mkdir(filepath.Join(view, e.Name()), 0o700); err != nil {
					return err
				}
				if err := walk(target, filepath.Join(view, e.Name()), name, depth+1); err != nil {
					return err
				}
			case st.Mode().IsRegular():
				if err := os.Symlink(target, filepath.Join(view, e.Name())); err != nil {
					return err
				}
			default:
				warns = append(warns, Warning{Source: root, Text: fmt.Sprintf("refused %s: %s is not evidence", name, fileKind(st.Mode()))})
			}
		}
		return nil
	}
	if err := walk(realRoot, tmp, ".", 0); err != nil {
		cleanup()
		return "", nil, warns, err
	}
	return tmp, cleanup, warns, nil
}

// bareError is the cause of a file error without the path and
// operation it repeats ("no such file or directory").
func bareError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func extractTar(r io.Reader, dir, name string) ([]Warning, error) {
	tr := tar.NewReader(r)
	var (
		warns []Warning
		total int64
		count int
	)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if count == 0 {
				return warns, fmt.Errorf("bundle %s: not a tar archive: %w", name, err)
			}
			warns = append(warns, Warning{Source: name, Text: "archive truncated or corrupt after " + fmt.Sprint(count) + " members: " + err.Error()})
			break
		}
		count++
		if count > MaxArchiveEntries {
			return warns, fmt.Errorf("bundle %s: more than %d members, refusing it", name, MaxArchiveEntries)
		}
		clean := path.Clean(strings.ReplaceAll(h.Name, "\\", "/"))
		if h.Name == "" || path.IsAbs(h.Name) || clean == ".." || strings.HasPrefix(clean, "../") || strings.ContainsRune(h.Name, 0) {
			warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("refused member %q: its name leaves the bundle", h.Name)})
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(clean))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o700); err != nil {
				return warns, err
			}
		case tar.TypeReg:
			if h.Size < 0 || total+h.Size > MaxArchiveBytes {
				return warns, fmt.Errorf("bundle %s: more than %d bytes uncompressed, refusing it", name, MaxArchiveBytes)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
				return warns, err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
			if err != nil {
				warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("skipped member %q: %v", h.Name, err)})
				continue
			}
			n, err := io.Copy(out, io.LimitReader(tr, MaxArchiveBytes-total+1))
			out.Close()
			total += n
			if total > MaxArchiveBytes {
				return warns, fmt.Errorf("bundle %s: more than %d bytes uncompressed, refusing it", name, MaxArchiveBytes)
			}
			if err != nil {
				warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("member %q truncated: %v", h.Name, err)})
			}
		default:
			warns = append(warns, Warning{Source: name, Text: fmt.Sprintf("refused member %q: links, devices and FIFOs are not evidence", h.Name)})
		}
	}
	return warns, nil
}

// WriteExport writes entries in the journal export format; values with a
// newline or other control bytes use the binary-safe form.
func WriteExport(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriter(w)
	for _, e := range entries {
		fields := e.Fields
		if _, ok := fields["__REALTIME_TIMESTAMP"]; fields == nil || !ok && !e.Time.IsZero() {
			// sdjournal hands the entry's time apart from its fields.
			fields = maps.Collect(e.All())
			if _, ok := fields["__REALTIME_TIMESTAMP"]; !ok && !e.Time.IsZero() {
				fields["__REALTIME_TIMESTAMP"] = strconv.FormatInt(e.Time.UnixMicro(), 10)
			}
		}
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			// journalctl puts the address fields first.
			ai, aj := strings.HasPrefix(keys[i], "__"), strings.HasPrefix(keys[j], "__")
			if ai != aj {
				return ai
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			v := fields[k]
			if binaryValue(v) {
				bw.WriteString(k)
				bw.WriteByte('\n')
				var size [8]byte
				n := uint64(len(v))
				for i := 0; i < 8; i++ {
					size[i] = byte(n >> (8 * i))
				}
				bw.Write(size[:])
				bw.WriteString(v)
				bw.WriteByte('\n')
				continue
			}
			bw.WriteString(k)
			bw.WriteByte('=')
			bw.WriteString(v)
			bw.WriteByte('\n')
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func binaryValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' {
			return true
		}
	}
	return false
}

// WriteArchive packs a bundle folder as a .tar.gz stream, its members
// under one folder named base.
func WriteArchive(w io.Writer, dir, base string) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := path.Join(base, filepath.ToSlash(rel))
		if info.IsDir() {
			return tw.WriteHeader(&tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: info.ModTime()})
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}
