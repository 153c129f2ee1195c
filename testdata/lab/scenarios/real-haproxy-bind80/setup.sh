systemctl stop haproxy.service 2>/dev/null || true
mkdir -p /etc/lb-front
printf 'global\n  log stderr format short local0\ndefaults\n  mode http\n  timeout client 5s\n  timeout server 5s\n  timeout connect 5s\nfrontend fe\n  bind 127.0.0.1:80\n  default_backend be\nbackend be\n  server s1 127.0.0.1:8081\n' > /etc/lb-front/haproxy.cfg
