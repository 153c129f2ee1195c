echo "d /var/spool/harden-drop 0750 root root -" > /etc/tmpfiles.d/harden-drop.conf
rm -rf /var/spool/harden-drop
