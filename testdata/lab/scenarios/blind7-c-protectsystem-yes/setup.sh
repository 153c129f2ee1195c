mkdir -p /usr/local/lib/plugin-installer
