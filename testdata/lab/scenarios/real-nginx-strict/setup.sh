systemctl stop nginx.service 2>/dev/null || true
