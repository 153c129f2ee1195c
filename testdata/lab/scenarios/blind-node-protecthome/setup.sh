useradd -m bridgeop; mkdir -p /home/bridgeop/.config/chat-bridge; echo "{}" > /home/bridgeop/.config/chat-bridge/token.json; chown -R bridgeop: /home/bridgeop/.config
