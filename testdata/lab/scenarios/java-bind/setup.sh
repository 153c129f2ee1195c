mkdir -p /opt/ledger; cp /lab/bin/JApp.class /opt/ledger/
