systemctl stop lldpd.service 2>/dev/null || true
