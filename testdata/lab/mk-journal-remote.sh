#!/bin/bash
# Rebuilds testdata/journal-remote/: real journal files written by
# systemd-journal-remote from the export streams of lab captures, as a
# fleet's journal-remote server would store them (one file per host).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || { apt-get update -q && apt-get install -y -q systemd-journal-remote; }
out=$repo/testdata/journal-remote
rm -rf "$out"; mkdir -p "$out"
"$remote" --output="$out/remote-labvm.journal" "$repo/testdata/captures/protectsystem-strict/journal.export"
