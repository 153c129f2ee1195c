ip netns del harden-test 2>/dev/null || true
