mkdir -p /etc/log-collector
printf 'module(load="imklog")\n*.* /var/log/log-collector.log\n' > /etc/log-collector/rsyslog.conf
