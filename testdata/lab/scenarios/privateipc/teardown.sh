ipcrm -M 0x4a11 || true
