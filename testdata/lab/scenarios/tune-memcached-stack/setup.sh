systemctl stop memcached.service 2>/dev/null || true
