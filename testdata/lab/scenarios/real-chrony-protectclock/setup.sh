systemctl stop chrony.service 2>/dev/null || true
