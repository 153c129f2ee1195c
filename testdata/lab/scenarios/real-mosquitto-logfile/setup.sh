systemctl stop mosquitto.service 2>/dev/null || true
mkdir -p /etc/mqtt-broker /var/log/mosquitto
chown mosquitto: /var/log/mosquitto
printf 'listener 1884 127.0.0.1\nlog_dest file /var/log/mosquitto/mqtt-broker.log\npersistence false\n' > /etc/mqtt-broker/mosquitto.conf
