mkdir -p /usr/local/lib/japp; cp /lab/bin/JApp.class /usr/local/lib/japp/
nohup python3 -c "import socket,time; s=socket.create_server((\"127.0.0.1\",8089)); time.sleep(120)" >/dev/null 2>&1 &
