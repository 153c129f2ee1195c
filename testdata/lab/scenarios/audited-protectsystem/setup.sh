mkdir -p /opt/state-writer
auditctl -a always,exit -F arch=b64 -S openat -S open -S mkdir -S mkdirat -F exit=-EROFS -k harden
auditctl -a always,exit -F arch=b64 -S openat -S open -F exit=-EACCES -k harden
