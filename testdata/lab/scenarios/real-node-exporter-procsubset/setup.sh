systemctl stop prometheus-node-exporter.service 2>/dev/null || true
