mkdir -p /tmp/harden-shared
echo "s3cret-token" > /tmp/harden-shared/token
