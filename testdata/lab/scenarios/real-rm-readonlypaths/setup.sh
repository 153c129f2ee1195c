mkdir -p /var/cache/harden-old
echo stale > /var/cache/harden-old/stale.bin
