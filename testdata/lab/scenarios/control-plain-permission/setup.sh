useradd -r exporter; mkdir -p /var/lib/secrets; echo s3cret > /var/lib/secrets/token; chmod 600 /var/lib/secrets/token
