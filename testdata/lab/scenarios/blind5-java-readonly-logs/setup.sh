mkdir -p /opt/claims-api/lib /opt/claims-api/logs; cp /lab/bin/JApp.class /opt/claims-api/lib/
