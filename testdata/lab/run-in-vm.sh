#!/bin/bash
# Runs inside the lab VM (as harden-lab.service, after multi-user.target).
# For every scenario: install its units, run its setup, start its unit, wait
# for it to settle, and save a bundle (the format `harden why --bundle`
# reads) holding only what this scenario produced: the journal after a
# cursor taken before the start, the audit.log bytes appended meanwhile,
# `systemctl show`/`cat` of the unit and host.txt. If the scenario has a
# fix.conf, the unit is then restarted with it as a drop-in and the outcome
# is recorded in fix-result, proving (or disproving) the relaxation.
set -u
OUT=/lab/out
mkdir -p "$OUT"
exec > "$OUT/runner.log" 2>&1
install -m 0755 /lab/bin/shapp.sh /lab/bin/hostile.sh /usr/local/bin/
install -m 0755 /lab/bin/goapp /lab/bin/rsapp /lab/bin/capp32 /usr/local/bin/
install -m 0755 /lab/bin/capp /usr/local/sbin/capp
install -m 0644 /lab/bin/pyapp.py /lab/bin/nodeapp.js /usr/local/bin/
install -m 0644 /lab/bin/nodeapp.js /usr/local/lib/nodeapp.js
# harden from its Debian package when the lab was given one, else the build.
HARDEN=/lab/bin/harden
if [ -f /lab/harden.deb ] && dpkg -i /lab/harden.deb; then
	HARDEN=/usr/bin/harden
	{ dpkg -s harden | grep -E '^(Version|Status)'; harden --version; man -w harden 2>&1; ls /usr/share/man/man1/harden*.1* /usr/share/man/man5/harden-bundle.5* /usr/share/bash-completion/completions/harden 2>&1; harden explain ProtectSystem | head -4; man -P cat harden 2>&1 | head -12; } > "$OUT/package.txt"
fi

# conf is the unit's configuration as systemctl show prints it, without
# what changes with every run (ControlGroupId among it) and with
# dependency lists sorted (they come in any order): tune's and tighten's
# "left as it was" compare two of them.
conf() { systemctl show "$unit" | grep -v -E 'Timestamp|PID=|InvocationID|State=|Result=|NRestarts|StatusText|Memory|CPU|Tasks|IO[A-Z]|IP(In|Out|Ingress|Egress)|ExecMain|Effective|Counter|^Job|ConditionResult|AssertResult|StatusErrno|ReloadResult|CleanResult|^LiveMount|ControlGroupId' | sed -E 's/ ; start_time=.*//' | python3 -c 'import sys; [print(l.split("=",1)[0]+"="+" ".join(sorted(l.split("=",1)[1].split())) if l.split("=",1)[0] in ("After","Before","Wants","Requires") else l, end="\n") for l in sys.stdin.read().splitlines()]'; }

settle() { # wait until the unit is no longer starting or running (30 s, or the scenario's settle-seconds)
	local u=$1 i st n=60
	[ -f "$dir/settle-seconds" ] && n=$(( $(cat "$dir/settle-seconds") * 2 ))
	for i in $(seq 1 "$n"); do
		st=$(systemctl show -P ActiveState "$u")
		case "$st" in failed|inactive) [ "$i" -gt 2 ] && return 0 ;; esac
		sleep 0.5
	done
}

for dir in /lab/scenarios/*/; do
	name=$(basename "$dir")
	[ -n "${LAB_ONLY:-}" ] && [[ " $LAB_ONLY " != *" $name "* ]] && continue
	unit=$(sed -n 's/^unit: //p' "$dir/expect")
	echo "=== $name ($unit)"
	cp -r "$dir"/*.service "$dir"/*.service.d /etc/systemd/system/ 2>/dev/null
	systemctl daemon-reload
	[ -f "$dir/setup.sh" ] && bash -x "$dir/setup.sh"
	journalctl --sync
	cursor=$(journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p')
	aoff=$(stat -c %s /var/log/audit/audit.log)
	systemctl start --no-block "$unit"
	settle "$unit"
	sleep 1
	journalctl --sync
	b="$OUT/$name"; mkdir -p "$b/audit" "$b/units"
	journalctl --after-cursor="$cursor" -o export > "$b/journal.export"
	tail -c +$((aoff + 1)) /var/log/audit/audit.log > "$b/audit/audit.log"
	systemctl show "$unit" > "$b/units/$unit.show"
	systemctl cat "$unit" > "$b/units/$unit.cat" 2>&1
	for u in $(cat "$dir/also-units" 2>/dev/null); do # other units the scenario starts
		systemctl show "$u" > "$b/units/$u.show"
		systemctl cat "$u" > "$b/units/$u.cat" 2>&1
	done
	{ systemctl --version; uname -a; echo "virtualization: $(systemd-detect-virt || true)"; } > "$b/host.txt"
	if [ -f "$dir/fix.conf" ]; then
		mkdir -p "/etc/systemd/system/$unit.d"
		cp "$dir/fix.conf" "/etc/systemd/system/$unit.d/zz-harden-fix.conf"
		# A unit still running (degraded, not failed) is stopped: the fix
		# run must be a new run, not the first one going on (lldpd).
		systemctl stop "$unit" 2>/dev/null
		systemctl daemon-reload; systemctl reset-failed "$unit"
		journalctl --sync
		fcursor=$(journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p')
		faoff=$(stat -c %s /var/log/audit/audit.log)
		systemctl start --no-block "$unit"; settle "$unit"
		sleep 1; journalctl --sync
		res=$(systemctl show -P Result "$unit"); st=$(systemctl show -P ExecMainStatus "$unit")
		echo "with fix.conf: Result=$res ExecMainStatus=$st" > "$b/fix-result"
		# The fix run's own evidence, a bundle of its own: a relaxation is
		# verified only when the original symptom is absent from it.
		mkdir -p "$b/fix/audit" "$b/fix/units"
		journalctl --after-cursor="$fcursor" -o export > "$b/fix/journal.export"
		tail -c +$((faoff + 1)) /var/log/audit/audit.log > "$b/fix/audit/audit.log"
		systemctl show "$unit" > "$b/fix/units/$unit.show"
		systemctl cat "$unit" > "$b/fix/units/$unit.cat" 2>&1
		cp "$b/host.txt" "$b/fix/host.txt"
		rm -f "/etc/systemd/system/$unit.d/zz-harden-fix.conf"; systemctl daemon-reload
	fi
	if [ -f "$dir/tune" ]; then
		# harden tune on the real unit (the drop-in of the fix run is gone):
		# its rounds, the drop-in it proved, then --undo twice and whether
		# the unit's configuration is exactly as before.
		t="$b/tune"; mkdir -p "$t"
		systemctl reset-failed "$unit"; systemctl stop "$unit"
		[ -f "$dir/reset.sh" ] && bash -x "$dir/reset.sh" # what the fix run left on the host
		conf > "$t/before.show"
		echo "$HARDEN" > "$t/harden"; cp "$OUT/package.txt" "$t/" 2>/dev/null
		journalctl --sync; tcursor=$(journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p')
		bash -c "$HARDEN tune $unit $(cat "$dir/tune") -o json" > "$t/tune.json" 2> "$t/tune.log"; echo $? > "$t/exit"
		cp "/etc/systemd/system/$unit.d/zz-harden-tune.conf" "$t/" 2>/dev/null
		journalctl --sync; journalctl --after-cursor="$tcursor" -o export > "$t/journal.export"
		$HARDEN tune --undo "$unit" > "$t/undo.txt" 2>&1; echo "exit $?" >> "$t/undo.txt"
		$HARDEN tune --undo "$unit" >> "$t/undo.txt" 2>&1; echo "exit $?" >> "$t/undo.txt"
		systemctl stop "$unit"; systemctl reset-failed "$unit"
		conf > "$t/after.show"
		diff "$t/before.show" "$t/after.show" > "$t/undo-diff.txt"
		ls -A "/etc/systemd/system/$unit.d" > "$t/left.txt" 2>/dev/null
		if [ -f "$dir/tune-interrupt" ]; then
			# Interrupted mid-run, then cleaned up by the next --undo.
			timeout -s INT "$(cat "$dir/tune-interrupt")" $HARDEN tune "$unit" > /dev/null 2> "$t/interrupt.log"
			ls -A "/etc/systemd/system/$unit.d" > "$t/interrupt-left.txt" 2>/dev/null
			cp "/var/lib/harden/tune/$unit.json" "$t/interrupt-state.json" 2>/dev/null
			$HARDEN tune --undo "$unit" > "$t/interrupt-undo.txt" 2>&1; echo "exit $?" >> "$t/interrupt-undo.txt"
			ls -A "/etc/systemd/system/$unit.d" > "$t/interrupt-after.txt" 2>/dev/null
			auditctl -l > "$t/interrupt-audit.txt" 2>&1
		fi
		rm -f "$t/before.show" "$t/after.show"
	fi
	if [ -f "$dir/tighten" ]; then
		# harden tighten on the real, unhardened unit: without --apply (the
		# unit must end exactly as it began), then with --apply (the check
		# must still pass, and the exposure drop), then --undo.
		t="$b/tighten"; mkdir -p "$t"
		check=$(cat "$dir/check")
		systemctl restart "$unit"; sleep 3
		conf > "$t/before.show"; systemctl is-active "$unit" > "$t/active-before.txt"
		systemd-analyze security --no-pager "$unit" > "$t/security-before.txt" 2>&1
		echo "$HARDEN" > "$t/harden"
		journalctl --sync; tcursor=$(journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p')
		taoff=$(stat -c %s /var/log/audit/audit.log)
		start=$(date +%s)
		$HARDEN tighten "$unit" --check "$check" $(cat "$dir/tighten") -o json > "$t/tighten.json" 2> "$t/tighten.log"; echo $? > "$t/exit"
		echo $(( $(date +%s) - start )) > "$t/seconds"
		sleep 2; systemctl is-active "$unit" > "$t/active-after.txt"
		conf > "$t/after.show"; diff "$t/before.show" "$t/after.show" > "$t/unchanged-diff.txt"
		ls -A "/etc/systemd/system/$unit.d" > "$t/left.txt" 2>/dev/null
		if [ -f "$dir/tighten-apply" ]; then
			start=$(date +%s)
			$HARDEN tighten "$unit" --check "$check" $(cat "$dir/tighten") --apply > "$t/apply.txt" 2> "$t/apply.log"; echo "exit $?" >> "$t/apply.txt"
			echo $(( $(date +%s) - start )) > "$t/apply-seconds"
			cp "/etc/systemd/system/$unit.d/zz-harden-tighten.conf" "$t/" 2>/dev/null
			sleep 3
			systemd-analyze security --no-pager "$unit" > "$t/security-after.txt" 2>&1
			if bash -c "$check"; then echo pass; else echo fail; fi > "$t/check-after-apply.txt"
			systemctl is-active "$unit" >> "$t/check-after-apply.txt"
			journalctl --sync; journalctl --after-cursor="$tcursor" -o export > "$t/journal.export"
			# A long run's journal is kept compressed past 4 MB (node-exporter's
			# was 24 MB, mostly the kernel's records of refused calls).
			[ "$(stat -c %s "$t/journal.export")" -le 4000000 ] || gzip -9 "$t/journal.export"
			# The kernel's records of the trials (harden's temporary audit
			# rules, seccomp): what the diagnosis of each trial read.
			tail -c +$((taoff + 1)) /var/log/audit/audit.log > "$t/audit.all"
			{ ausearch -if "$t/audit.all" -k harden-tune --raw; ausearch -if "$t/audit.all" -m SECCOMP,AVC --raw; } > "$t/audit.log" 2>/dev/null
			rm -f "$t/audit.all"
			$HARDEN tighten --undo "$unit" > "$t/undo.txt" 2>&1; echo "exit $?" >> "$t/undo.txt"
			conf > "$t/after-undo.show"; diff "$t/before.show" "$t/after-undo.show" > "$t/undo-diff.txt"
			rm -f "$t/after-undo.show"
		fi
		rm -f "$t/before.show" "$t/after.show"
	fi
	[ -f "$dir/teardown.sh" ] && bash -x "$dir/teardown.sh"
	touch "$b/.done"; sync
	systemctl stop "$unit" fake-cache.service $(cat "$dir/also-units" 2>/dev/null) 2>/dev/null
	auditctl -D >/dev/null 2>&1 # audit rules a scenario added
	systemctl reset-failed "$unit" 2>/dev/null
done
# The packaged completion offers the units that failed in this boot.
[ "$HARDEN" = /usr/bin/harden ] && harden __complete why "" > "$OUT/package-completion.txt" 2>&1
# And as bash itself completes `harden why <Tab>` with the packaged script.
[ "$HARDEN" = /usr/bin/harden ] && bash -c 'source /usr/share/bash-completion/bash_completion 2>/dev/null; source /usr/share/bash-completion/completions/harden
	COMP_LINE="harden why "; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(harden why ""); COMP_CWORD=2
	__start_harden harden "" why; printf "%s\n" "${COMPREPLY[@]}"' > "$OUT/package-tab.txt" 2>&1
# One whole-boot journal directory, for the sdjournal (--directory) reader.
journalctl --sync; journalctl --rotate 2>/dev/null
mkdir -p "$OUT/_journal"; cp -r /var/log/journal/* "$OUT/_journal/" 2>/dev/null || cp -r /run/log/journal/* "$OUT/_journal/"
echo done > "$OUT/DONE"
sync
systemctl poweroff -f
