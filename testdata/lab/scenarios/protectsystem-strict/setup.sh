useradd -r inventory; mkdir -p /var/lib/inventory /opt/inventory; chown inventory: /var/lib/inventory
cp /lab/bin/pyapp.py /opt/inventory/pyapp.py
