mkdir -p /var/lib/pgdata; echo 15 > /var/lib/pgdata/PG_VERSION
