mkdir -p /var/lib/event-logger /var/log/event-logger
