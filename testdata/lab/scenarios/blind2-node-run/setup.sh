mkdir -p /run/pdf-api
