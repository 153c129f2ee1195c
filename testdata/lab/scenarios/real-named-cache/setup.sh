systemctl stop named.service bind9.service 2>/dev/null || true
