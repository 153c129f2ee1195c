useradd -m syncer; mkdir -p /home/syncer/data; chown syncer: /home/syncer/data
