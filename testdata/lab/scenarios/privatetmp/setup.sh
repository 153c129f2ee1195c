echo locked > /tmp/orchestrator.lock
