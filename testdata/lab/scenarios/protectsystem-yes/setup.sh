mkdir -p /usr/local/share/assetsync
