mkdir -p /opt/plugins; printf '#!/bin/sh\necho hook ran\n' > /opt/plugins/hook.sh; chmod 755 /opt/plugins/hook.sh
