useradd -r edge
