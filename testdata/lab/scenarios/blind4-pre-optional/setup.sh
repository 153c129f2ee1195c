mkdir -p /var/lib/feed-indexer
