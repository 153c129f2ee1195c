mkdir -p /srv/vault-sync /etc/vault-sync; touch /srv/vault-sync/journal.dat
auditctl -a always,exit -F arch=b64 -S openat -S open -S mkdir -S mkdirat -F exit=-EROFS -k harden
