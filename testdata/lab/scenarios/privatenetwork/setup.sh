systemctl start fake-cache.service; sleep 3
