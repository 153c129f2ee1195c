umount /mnt 2>/dev/null || true
