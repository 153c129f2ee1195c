useradd -r ledger; mkdir -p /var/lib/ledger-writer; chmod 755 /var/lib/ledger-writer
