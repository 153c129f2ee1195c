mkdir -p /root/.cache/backup-agent /opt/backup-agent; cp /lab/bin/nodeapp.js /opt/backup-agent/
