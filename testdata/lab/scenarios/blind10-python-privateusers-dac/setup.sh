mkdir -p /var/lib/ledger-audit; echo x > /var/lib/ledger-audit/ledger.db; chown 1234:1234 /var/lib/ledger-audit/ledger.db; chmod 600 /var/lib/ledger-audit/ledger.db
