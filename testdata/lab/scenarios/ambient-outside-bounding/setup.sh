useradd -r metrics
