mkdir -p /srv/data/cache
