useradd -r uplink
