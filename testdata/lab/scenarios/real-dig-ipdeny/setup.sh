ip addr add 192.0.2.53/32 dev lo 2>/dev/null || true
