rm -rf /var/lib/cache-prep /var/lib/private/cache-prep
