printf "0 3 * * * /bin/true\n" > /etc/cron-install.tab
chmod 644 /etc/cron-install.tab
crontab -r -u nobody 2>/dev/null || true
