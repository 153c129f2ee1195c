package rules

import (
	"regexp"
	"testing"
)

func TestGroupsFor(t *testing.T) {
	g, exact := GroupsFor(252)
	if !exact || g.Version != "v252" || !g.Groups["@system-service"]["personality"] || g.Groups["@system-service"]["swapon"] {
		t.Fatalf("v252: %s exact=%v", g.Version, exact)
	}
	if g, exact := GroupsFor(253); exact || g.Version != "v252" {
		t.Fatalf("253 should fall back to v252, got %s", g.Version)
	}
	if g, _ := GroupsFor(200); g.Version != "v245" {
		t.Fatalf("old releases use the oldest table, got %s", g.Version)
	}
	if g, _ := GroupsFor(0); g.Version != "v262" {
		t.Fatalf("unknown release uses the newest table, got %s", g.Version)
	}
	if got := g.GroupsContaining("swapon"); len(got) == 0 || got[0] != "@swap" {
		t.Fatalf("smallest group holding swapon: %v", got)
	}
}

func TestErrnoTables(t *testing.T) {
	e, ok := ErrnoByName("EROFS")
	if !ok || e.Num != 30 || e.Text != "Read-only file system" {
		t.Fatalf("%+v", e)
	}
	if e, _ := ErrnoByName("EWOULDBLOCK"); e.Name != "EAGAIN" {
		t.Fatalf("alias: %+v", e)
	}
	texts := ErrnoTexts()
	for i := 1; i < len(texts); i++ {
		if len(texts[i].Text) > len(texts[i-1].Text) {
			t.Fatal("texts not longest first")
		}
	}
}

func TestExitStatuses(t *testing.T) {
	if s, ok := LookupExitStatus(226); !ok || s.Name != "NAMESPACE" || !IsSetupStatus(226) {
		t.Fatalf("%+v", s)
	}
	if IsSetupStatus(1) || IsSetupStatus(78) {
		t.Fatal("program exit codes are not setup failures")
	}
}

func TestSetupMessagesCompile(t *testing.T) {
	for _, m := range SetupMessages {
		re := regexp.MustCompile(m.Pattern)
		if len(m.Directives) == 0 || m.Step == "" {
			t.Errorf("%s: no directive or step", m.Pattern)
		}
		_ = re
	}
	for _, m := range SetupMessages {
		for _, d := range m.Directives {
			if _, ok := LookupDirective(d); !ok {
				t.Errorf("setup directive %s unknown", d)
			}
		}
	}
}
