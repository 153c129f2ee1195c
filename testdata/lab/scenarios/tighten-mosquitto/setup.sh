mkdir -p /run/mosquitto
chown mosquitto: /run/mosquitto
