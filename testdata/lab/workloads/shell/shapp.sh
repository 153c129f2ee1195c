#!/bin/sh
# shapp is a lab workload: a shell service that fails the way shell scripts
# do, through coreutils' own messages (mkdir: cannot create directory ...).
set -e
action=$1; arg=$2
case "$action" in
  write) echo data > "$arg" ;;
  mkdir) mkdir -p "$arg" ;;
  touch) touch "$arg" ;;
  sudo)  sudo -n "$arg" ;;
  read)  cat "$arg" > /dev/null ;;
  run)   "$arg" ;;
  unshare) unshare --net true ;;
  suid)  touch "$arg"; chmod u+s "$arg" ;;
  chrt)  chrt -f 10 true ;;
  date)  date -s "$(date)" ;;
  modprobe) modprobe "$arg" ;;
  ping)  ping -c 1 -W 1 "$arg" ;;
  notify) systemd-notify --ready || true; sleep 60 ;;
  *) echo "shapp: unknown action $action" >&2; exit 64 ;;
esac
echo "shapp: $action $arg ok"
sleep 2
