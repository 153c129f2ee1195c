systemctl stop ssh.service 2>/dev/null || true
rm -rf /run/sshd
