useradd -r photos; useradd -m alice; mkdir -p /home/alice/Pictures; echo pics > /home/alice/Pictures/album.txt
chmod 755 /home/alice /home/alice/Pictures; chmod 644 /home/alice/Pictures/album.txt
