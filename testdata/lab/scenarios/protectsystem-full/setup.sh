mkdir -p /etc/dnsupdater
