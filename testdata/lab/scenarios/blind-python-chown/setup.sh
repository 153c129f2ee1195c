mkdir -p /srv/uploads; touch /srv/uploads/incoming.dat
