systemctl stop redis-server.service 2>/dev/null || true
