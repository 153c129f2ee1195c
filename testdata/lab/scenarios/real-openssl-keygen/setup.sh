rm -f /etc/ssl/private/portal.key /etc/ssl/certs/portal.pem
