systemctl stop unbound.service 2>/dev/null || true
mkdir -p /etc/dns-resolver
printf 'server:\n  interface: 127.0.0.1\n  port: 5354\n  pidfile: "/run/dns-resolver.pid"\n  use-syslog: no\n  chroot: ""\n  username: "unbound"\n  directory: "/etc/unbound"\n  auto-trust-anchor-file: ""\n' > /etc/dns-resolver/unbound.conf
