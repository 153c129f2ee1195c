useradd -r inspector
