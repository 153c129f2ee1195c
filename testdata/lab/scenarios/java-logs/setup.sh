useradd -r orders; mkdir -p /opt/orders /var/log/order-service; chown orders: /var/log/order-service; cp /lab/bin/JApp.class /opt/orders/
