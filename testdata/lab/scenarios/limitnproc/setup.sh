useradd -r fanout
