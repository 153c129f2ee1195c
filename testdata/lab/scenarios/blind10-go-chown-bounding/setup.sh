mkdir -p /srv/media; touch /srv/media/incoming.mp4
