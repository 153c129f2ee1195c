keyctl add user ceph-client-secret s3cr3t @u
