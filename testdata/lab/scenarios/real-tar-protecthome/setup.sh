id syncer >/dev/null 2>&1 || useradd -m syncer
chmod 755 /home/syncer
