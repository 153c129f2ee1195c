mkdir -p /tmp/relay-handoff; echo t0k3n > /tmp/relay-handoff/token
