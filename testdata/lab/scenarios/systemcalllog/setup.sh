head -c 4096 /dev/zero > /var/tmp/not-a-swapfile; chmod 600 /var/tmp/not-a-swapfile
