mkdir -p /srv/fixer; touch /srv/fixer/file.dat
