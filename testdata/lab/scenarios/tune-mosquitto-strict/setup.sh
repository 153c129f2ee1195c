systemctl stop mosquitto.service 2>/dev/null || true
# the PID file's folder, as the package's tmpfiles.d makes it
mkdir -p /run/mosquitto
chown mosquitto: /run/mosquitto
