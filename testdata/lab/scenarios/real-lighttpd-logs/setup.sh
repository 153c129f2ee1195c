systemctl stop lighttpd.service 2>/dev/null || true
