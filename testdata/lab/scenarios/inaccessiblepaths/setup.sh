useradd -r certs; mkdir -p /etc/ssl/private; echo key > /etc/ssl/private/site.key; chmod 755 /etc/ssl/private; chmod 644 /etc/ssl/private/site.key
