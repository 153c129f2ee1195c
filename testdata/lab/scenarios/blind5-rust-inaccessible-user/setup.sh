useradd -r mtls; mkdir -p /etc/mtls/private; echo k > /etc/mtls/private/client.key; chown -R mtls: /etc/mtls/private
