mkdir -p /var/lib/harden-stamp
