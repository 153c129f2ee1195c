useradd -r vault
