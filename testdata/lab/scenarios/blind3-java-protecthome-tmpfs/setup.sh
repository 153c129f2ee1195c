mkdir -p /usr/local/lib/japp /root/reports; cp /lab/bin/JApp.class /usr/local/lib/japp/
