mkdir -p /home/backup
rm -f /home/backup/hostname
