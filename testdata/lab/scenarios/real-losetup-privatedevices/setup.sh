mkdir -p /var/lib/images
losetup -j /var/lib/images/scratch.img -O NAME -n 2>/dev/null | xargs -r -n1 losetup -d
truncate -s 8M /var/lib/images/scratch.img
