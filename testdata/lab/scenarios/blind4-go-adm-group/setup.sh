useradd -r shipper; mkdir -p /var/log/shipper-src; echo line > /var/log/shipper-src/app.log; chown root:adm /var/log/shipper-src/app.log; chmod 0640 /var/log/shipper-src/app.log
