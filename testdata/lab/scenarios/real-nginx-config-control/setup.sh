systemctl stop nginx.service 2>/dev/null || true
mkdir -p /etc/web-edge
printf 'events {}\nhttp { server { listen 8088; locaton / { return 200; } } }\n' > /etc/web-edge/nginx.conf
