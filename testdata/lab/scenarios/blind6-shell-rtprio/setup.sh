useradd -r latprobe
