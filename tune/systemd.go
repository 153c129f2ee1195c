package tune

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
)

// Live is the running systemd, over D-Bus.
type Live struct{ conn *sddbus.Conn }

// NewLive connects to the system manager.
func NewLive() (*Live, error) {
	c, err := sddbus.NewSystemConnectionContext(context.Background())
	if err != nil {
		return nil, fmt.Errorf("cannot talk to systemd over D-Bus: %w", err)
	}
	return &Live{conn: c}, nil
}

// Close ends the connection.
func (l *Live) Close() { l.conn.Close() }

// DropInDir is where an administrator's drop-ins for unit live.
func (l *Live) DropInDir(unit string) string { return filepath.Join("/etc/systemd/system", unit+".d") }

// DaemonReload has systemd read the unit files again.
func (l *Live) DaemonReload() error { return l.conn.ReloadContext(context.Background()) }

// Restart restarts the unit and waits for the job (a oneshot's start job
// ends when it exits).
func (l *Live) Restart(unit string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	l.conn.ResetFailedUnitContext(ctx, unit)
	ch := make(chan string, 1)
	if _, err := l.conn.RestartUnitContext(ctx, unit, "replace", ch); err != nil {
		return err
	}
	select {
	case res := <-ch:
		if res != "done" {
			return fmt.Errorf("restart of %s: job %s", unit, res)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Stop stops the unit.
func (l *Live) Stop(unit string) error {
	ch := make(chan string, 1)
	_, err := l.conn.StopUnitContext(context.Background(), unit, "replace", ch)
	if err == nil {
		<-ch
	}
	return err
}

// Status reads ActiveState, InvocationID, and the service's Result and Type.
func (l *Live) Status(unit string) (Status, error) {
	ctx := context.Background()
	p, err := l.conn.GetUnitPropertiesContext(ctx, unit)
	if err != nil {
		return Status{}, err
	}
	s := Status{Active: fmt.Sprint(p["ActiveState"])}
	if id, ok := p["InvocationID"].([]byte); ok {
		s.Invocation = hex.EncodeToString(id)
	}
	if sp, err := l.conn.GetUnitTypePropertiesContext(ctx, unit, "Service"); err == nil {
		s.Result, s.Type = fmt.Sprint(sp["Result"]), fmt.Sprint(sp["Type"])
	}
	return s, nil
}

// Auditctl adds and removes audit rules with auditctl: failed calls with
// EACCES, EPERM or EROFS, keyed, so that the kernel records what a service
// was refused even when it says nothing useful about it.
type Auditctl struct{}

var auditErrnos = []string{"-EACCES", "-EPERM", "-EROFS"}

// Add installs the rules.
func (Auditctl) Add(key string) error {
	if _, err := exec.LookPath("auditctl"); err != nil {
		return errors.New("auditctl is not installed")
	}
	for _, args := range auditRules(key, os.Getpid()) {
		out, err := exec.Command("auditctl", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("auditctl %s: %s", strings.Join(args, " "), out)
		}
	}
	return nil
}

// auditRules are auditctl's arguments for the rules: every system call
// (auditctl wants -S before a key: lab, "Key field needs a watch, syscall
// or exe path given prior to it") that fails with one of the errnos, of
// any process but harden's own (self): its Go runtime's refused
// epoll_ctl() of regular files were two thirds of a tighten run's records
// in the lab (node-exporter: 24 MB of journal).
func auditRules(key string, self int) [][]string {
	var out [][]string
	for _, arch := range []string{"b64", "b32"} {
		for _, e := range auditErrnos {
			out = append(out, []string{"-a", "always,exit", "-F", "arch=" + arch, "-S", "all", "-F", "exit=" + e,
				"-F", "pid!=" + strconv.Itoa(self), "-F", "key=" + key})
		}
	}
	return out
}

// Delete removes every rule with the key.
func (Auditctl) Delete(key string) error {
	if _, err := exec.LookPath("auditctl"); err != nil {
		return nil
	}
	out, err := exec.Command("auditctl", "-D", "-k", key).CombinedOutput()
	if err != nil {
		return fmt.Errorf("auditctl: %s", out)
	}
	return nil
}
