useradd -r encoder
