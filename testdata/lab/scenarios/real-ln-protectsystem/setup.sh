rm -f /usr/local/bin/harden-true
