rm -f /dev/harden-test0
