mkdir -p /var/log/harden-app
echo "rotated line" > /var/log/harden-app/app.log.1
rm -f /var/log/harden-app/app.log.1.gz
