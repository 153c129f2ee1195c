package cli

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The sample is a real capture (testdata/captures/protectsystem-strict),
// copied here by go generate so the binary can show a diagnosis anywhere.
//
//go:generate sh -c "rm -rf sample && mkdir -p sample && cd ../../../testdata/captures/protectsystem-strict && cp -r journal.export audit units host.txt ../../../cmd/harden/cli/sample/"
//go:embed sample
var sampleFS embed.FS

// extractSample writes the embedded bundle to a private temporary folder.
func extractSample() (dir, unit string, cleanup func(), err error) {
	dir, err = os.MkdirTemp("", "harden-sample-")
	if err != nil {
		return "", "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	err = fs.WalkDir(sampleFS, "sample", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "sample")
		target := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := sampleFS.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".show") {
			unit = strings.TrimSuffix(filepath.Base(p), ".show")
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		cleanup()
		return "", "", nil, err
	}
	return dir, unit, cleanup, nil
}
