mkdir -p /usr/local/lib/japp; cp /lab/bin/JApp.class /usr/local/lib/japp/
