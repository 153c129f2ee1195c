mkdir -p /etc/firewall-load
printf 'table inet labfilter {\n  chain input { type filter hook input priority 0; policy accept; }\n}\n' > /etc/firewall-load/rules.nft
