rm -rf /var/lib/metrics-store; echo stale > /var/lib/metrics-store
