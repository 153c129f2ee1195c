mkdir -p /var/lib/inventory
rm -f /var/lib/inventory/hosts.db
sqlite3 /var/lib/inventory/hosts.db "CREATE TABLE hosts(name TEXT); INSERT INTO hosts VALUES('web1');"
