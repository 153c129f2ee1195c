# harden watch runs for real here: the journal through sdjournal, the
# kernel's audit stream through netlink, while two units fail.
install -m 0755 /lab/bin/harden /usr/local/bin/harden
/usr/local/bin/harden watch watched-api watched-swap > /run/harden-watch.txt 2> /run/harden-watch.err &
echo $! > /run/harden-watch.pid
sleep 3
systemctl start --no-block watched-swap.service
sleep 5
