mkdir -p /var/lib/spool-reserve
rm -f /var/lib/spool-reserve/reserve.bin
