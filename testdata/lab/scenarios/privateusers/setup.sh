touch /var/tmp/spool.dat
