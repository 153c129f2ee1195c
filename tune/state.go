package tune

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// State is what a tuning run changed, kept in StateDir/UNIT.json while it
// runs and after: a later run, or Undo after a crash or a reboot, knows
// from it what to take back.
type State struct {
	Unit       string    `json:"unit"`
	Started    time.Time `json:"started"`
	WasRunning bool      `json:"was_running"` // restart it on undo
	Files      []string  `json:"files"`       // drop-ins harden wrote
	AuditKey   string    `json:"audit_key,omitempty"`
	Lines      []Line    `json:"lines"`
	Rounds     []Round   `json:"rounds"`
	Finished   bool      `json:"finished"`
}

// Round is one trial of the unit.
type Round struct {
	Round    int      `json:"round"`
	Result   string   `json:"result"` // healthy | failed | not-sandbox | no-relaxation | experiment
	Findings []string `json:"findings,omitempty"`
	Added    []string `json:"added_lines,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// StateDir is where state files live.
var StateDir = "/var/lib/harden/tune"

func statePath(unit string) string { return filepath.Join(StateDir, unit+".json") }

func loadState(unit string) (*State, error) {
	b, err := os.ReadFile(statePath(unit))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s is damaged: %w", statePath(unit), err)
	}
	return &s, nil
}

func (s *State) save() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(statePath(s.Unit), append(b, '\n'))
}

func (s *State) addFile(p string) {
	for _, f := range s.Files {
		if f == p {
			return
		}
	}
	s.Files = append(s.Files, p)
}
