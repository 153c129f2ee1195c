touch /var/tmp/spool.lock
