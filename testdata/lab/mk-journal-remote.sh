#!/bin/bash
# Rebuilds the journal files under testdata/ that systemd-journal-remote
# writes from the lab's captured export streams, as a journal-remote
# server stores what hosts upload (one file per host):
#   testdata/journal-remote/        one host, one capture (sdjournal reader test)
#   testdata/journal-remote-fleet/  two hosts (labvm, web2) with the same three
#                                   failures (fleet triage), and fleet/units/
#                                   the units' systemctl show/cat output.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || { apt-get update -q && apt-get install -y -q systemd-journal-remote; }
out=$repo/testdata/journal-remote
rm -rf "$out"; mkdir -p "$out"
"$remote" --output="$out/remote-labvm.journal" "$repo/testdata/captures/protectsystem-strict/journal.export"

fleet=$repo/testdata/journal-remote-fleet
rm -rf "$fleet" "$repo/testdata/fleet/units"; mkdir -p "$fleet" "$repo/testdata/fleet/units"
scen="protectsystem-strict capability-bind syscallfilter-kill"
for host in labvm web2; do
	src=$repo/testdata/captures
	[ "$host" = web2 ] && src=$repo/testdata/fleet/web2
	files=()
	for s in $scen; do files+=("$src/$s/journal.export"); done
	"$remote" --output="$fleet/remote-$host.journal" "${files[@]}"
done
for s in $scen; do cp "$repo/testdata/captures/$s/units/"* "$repo/testdata/fleet/units/"; done

# A journal file in systemd's newer layout (compact mode, zstd-compressed
# fields), as systemd ≥ 252 writes with SYSTEMD_JOURNAL_COMPACT=1.
rm -rf "$repo/testdata/journal-compact"; mkdir -p "$repo/testdata/journal-compact"
SYSTEMD_JOURNAL_COMPACT=1 "$remote" --compress=yes --output="$repo/testdata/journal-compact/remote-labvm.journal" \
	"$repo/testdata/captures/protectsystem-strict/journal.export" "$repo/testdata/captures/hostile-output/journal.export"

# The regular layout (64-bit offsets, items with their hashes), as systemd
# writes with SYSTEMD_JOURNAL_COMPACT=0, and compact files with fields long
# enough to be compressed (bind9's own long lines): journal/journalfile
# reads both layouts and zstd-compressed fields.
rm -rf "$repo/testdata/journal-regular" "$repo/testdata/journal-long-fields"
mkdir -p "$repo/testdata/journal-regular" "$repo/testdata/journal-long-fields"
SYSTEMD_JOURNAL_COMPACT=0 "$remote" --compress=yes --output="$repo/testdata/journal-regular/remote-labvm.journal" \
	"$repo/testdata/captures/protectsystem-strict/journal.export" "$repo/testdata/captures/hostile-output/journal.export" \
	"$repo/testdata/captures/real-named-cache/journal.export"
SYSTEMD_JOURNAL_COMPACT=1 "$remote" --compress=yes --output="$repo/testdata/journal-long-fields/remote-labvm.journal" \
	"$repo/testdata/captures/real-named-cache/journal.export" "$repo/testdata/captures/real-named-cache-trixie/journal.export"

# The kernel's lines of the pids controller (TasksMax=), and a service
# that forges such lines into /dev/kmsg, in two files: the kernel pass of
# triage, read directly and through libsystemd (journal/direct_test.go).
rm -rf "$repo/testdata/journal-kernel"; mkdir -p "$repo/testdata/journal-kernel"
"$remote" --output="$repo/testdata/journal-kernel/remote-tasksmax.journal" \
	"$repo/testdata/captures/tasksmax/journal.export" "$repo/testdata/captures/blind5-java-tasksmax/journal.export"
"$remote" --output="$repo/testdata/journal-kernel/remote-kmsg.journal" \
	"$repo/testdata/captures/hostile-kmsg-forger/journal.export" "$repo/testdata/captures/blind5-node-tasksmax-trixie/journal.export"
