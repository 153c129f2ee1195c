rm -f /var/lib/metrics-store
