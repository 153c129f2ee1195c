systemctl stop apache2.service 2>/dev/null || true
