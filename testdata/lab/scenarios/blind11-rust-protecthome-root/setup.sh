mkdir -p /root/.config/dotfile-sync; echo x > /root/.config/dotfile-sync/remote.toml
