mkdir -p /var/cache/order-router
