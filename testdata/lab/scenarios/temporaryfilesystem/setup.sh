mkdir -p /var/lib/feeds; echo '[]' > /var/lib/feeds/sources.json
