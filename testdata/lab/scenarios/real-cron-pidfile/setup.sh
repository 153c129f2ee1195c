systemctl stop cron.service 2>/dev/null || true
