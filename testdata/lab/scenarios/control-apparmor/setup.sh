install -m 0755 /usr/local/sbin/capp /usr/local/sbin/aa-signer
mkdir -p /srv/keys; echo pem > /srv/keys/signing.pem
cat > /etc/apparmor.d/usr.local.sbin.aa-signer <<'P'
abi <abi/3.0>,
include <tunables/global>
/usr/local/sbin/aa-signer {
  include <abstractions/base>
  /usr/local/sbin/aa-signer mr,
}
P
apparmor_parser -r /etc/apparmor.d/usr.local.sbin.aa-signer
