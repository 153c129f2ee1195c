mkdir -p /usr/local/share/asset-indexer
