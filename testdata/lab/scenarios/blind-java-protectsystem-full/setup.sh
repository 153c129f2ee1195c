mkdir -p /usr/local/lib/japp /etc/license-agent; cp /lab/bin/JApp.class /usr/local/lib/japp/
