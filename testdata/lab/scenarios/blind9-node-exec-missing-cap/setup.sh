useradd -r nethelper
