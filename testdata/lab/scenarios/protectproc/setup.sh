useradd -r watcher
