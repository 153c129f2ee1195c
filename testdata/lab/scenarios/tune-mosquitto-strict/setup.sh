systemctl stop mosquitto.service 2>/dev/null || true
rm -rf /run/mosquitto
