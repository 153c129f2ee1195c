nohup python3 -c "import socket,time; s=socket.create_server((\"127.0.0.1\",6380)); time.sleep(120)" >/dev/null 2>&1 &
