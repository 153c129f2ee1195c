mkdir -p /var/log/billing-export
