useradd -r indexd
