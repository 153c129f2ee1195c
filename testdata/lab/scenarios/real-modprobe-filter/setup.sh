rmmod dummy 2>/dev/null || true
