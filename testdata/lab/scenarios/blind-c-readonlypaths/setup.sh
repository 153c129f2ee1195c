mkdir -p /var/opt/tiles/z12
