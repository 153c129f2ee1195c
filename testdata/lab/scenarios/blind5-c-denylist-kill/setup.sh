head -c 4096 /dev/zero > /var/tmp/balancer.swap; chmod 600 /var/tmp/balancer.swap
