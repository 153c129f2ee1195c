useradd -m thumbs; mkdir -p /home/thumbs/.cache/thumbnail-cache; chown -R thumbs: /home/thumbs/.cache
