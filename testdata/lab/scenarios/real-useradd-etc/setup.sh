userdel svc-reports 2>/dev/null || true
