sleep 2
kill -INT "$(cat /run/harden-watch.pid)"
sleep 2
mkdir -p /lab/out/watch-session
cp /run/harden-watch.txt /lab/out/watch-session/watch.txt
cp /run/harden-watch.err /lab/out/watch-session/watch.err
