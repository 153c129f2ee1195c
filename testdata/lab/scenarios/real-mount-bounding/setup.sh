mkdir -p /mnt/scratch
umount /mnt/scratch 2>/dev/null || true
