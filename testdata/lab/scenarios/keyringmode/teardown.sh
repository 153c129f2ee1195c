keyctl purge user ceph-client-secret || true
