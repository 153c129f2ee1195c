useradd -r procwatch
