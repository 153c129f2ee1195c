mkdir -p /var/tmp/spool-reader; echo a,b > /var/tmp/spool-reader/batch.csv
